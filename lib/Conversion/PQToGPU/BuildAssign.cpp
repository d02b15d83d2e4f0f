//===- BuildAssign.cpp - Nearest centroid of every point, on tensor cores -===//
//
// The argmin over c of ||x - c||^2 is the argmin of ||c||^2 - 2 x.c, so a
// pass is a matrix product per group: P points x C centroids over ds'
// columns. A CTA takes a tile of P points of one group against all C
// centroids (padded to a multiple of 8 with centroids of norm +inf, which
// never win): points and centroids are staged row by row in shared memory,
// a chunk of at most 64 columns at a time (rows 4 mod 8 floats apart: the
// fragment reads below hit 32 distinct banks), and each warp multiplies MT
// row tiles of 16 points by every 8-centroid column tile with mma.sync
// m16n8k8 (TF32, sm_80+). A CTA takes several point tiles in turn; when
// one chunk holds every column (ds' <= 64), the centroids are staged once
// for all of them.
// Three products per step keep fp32 accuracy (3xTF32): x = hi + lo with hi
// the top 19 bits, x.c ~ hi.hi + hi.lo + lo.hi (the dropped lo.lo is below
// 2^-22 of the product). The argmin keeps the lowest c among equal
// distances, in the thread (its centroids come in increasing c) and then
// across the four threads sharing a point. Distances round differently
// from the reference's (x - c)^2 sums, so near-ties may differ
// (docs/BUILD.md).
//
//===----------------------------------------------------------------------===//

#include "BuildABI.h"
#include "CodeReader.h"
#include "Emitters.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

namespace {

constexpr int64_t kThreads = 256;
constexpr int64_t kWarps = kThreads / 32;
/// Columns staged at a time at most.
constexpr int64_t kMaxChunk = 64;
/// Accumulators a thread keeps at most (MT row tiles x its column tiles x
/// 4): 64 leave room for the fragments and staged loads within 128
/// registers, so two CTAs share an SM and one stages while the other
/// multiplies (one CTA alone waited for its loads half the time). Column
/// tiles a warp takes at most, and row tiles: two row tiles of C = 64
/// spilled a few bytes on sm_80.
constexpr int64_t kMaxAccumulators = 64;
constexpr int64_t kMaxColumnTiles = 16;
constexpr int64_t kMaxRowTiles = 1;

/// The tiling of the assignment for C centroids and ds' columns: the warps
/// form warpRows x warpColumns; a warp multiplies MT row tiles of 16 points
/// by its warpTiles column tiles of 8 centroids.
struct AssignTiling {
  int64_t columnTiles;  // ceil(C / 8)
  int64_t warpTiles;    // column tiles per warp
  int64_t warpColumns;  // warps across the centroids
  int64_t warpRows;     // warps across the points
  int64_t rowTiles;     // MT
  int64_t chunks, chunk, pitch; // column chunks, their width (8k), row pitch
  AssignTiling(int64_t count, int64_t width) {
    columnTiles = (count + 7) / 8;
    warpTiles = std::min(columnTiles, kMaxColumnTiles);
    warpColumns = (columnTiles + warpTiles - 1) / warpTiles;
    warpRows = kWarps / warpColumns;
    rowTiles = std::clamp<int64_t>(kMaxAccumulators / (4 * warpTiles), 1,
                                   kMaxRowTiles);
    chunks = (width + kMaxChunk - 1) / kMaxChunk;
    chunk = ((width + chunks - 1) / chunks + 7) / 8 * 8;
    pitch = chunk + 4;
  }
  int64_t paddedCentroids() const { return 8 * warpTiles * warpColumns; }
  int64_t points() const { return warpRows * 16 * rowTiles; }
  /// Point tiles a CTA takes: up to 8 while 16 CTAs per group remain.
  int64_t tilesPerCta(int64_t tiles) const {
    return std::clamp<int64_t>(tiles / 16, 1, 8);
  }
};

/// The top 19 bits of an f32 (what a TF32 operand keeps) and the rest,
/// both as the b32 registers mma.sync takes.
std::pair<Value, Value> splitTf32(KernelBuilder &kb, Value x) {
  ImplicitLocOpBuilder &b = kb.b;
  Value bits = arith::BitcastOp::create(b, b.getI32Type(), x);
  Value hiBits = kb.bitAnd(bits, kb.i32(0xFFFFE000u));
  Value hi = arith::BitcastOp::create(b, b.getF32Type(), hiBits);
  Value lo = kb.subf(x, hi);
  return {hiBits, arith::BitcastOp::create(b, b.getI32Type(), lo)};
}

/// d += a.b for one m16n8k8 TF32 tile (a: 4 b32, b: 2 b32, d: 4 f32).
SmallVector<Value> mmaTf32(KernelBuilder &kb, ArrayRef<Value> a,
                           ArrayRef<Value> bFragment, ArrayRef<Value> d) {
  ImplicitLocOpBuilder &b = kb.b;
  Type f32 = b.getF32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), {f32, f32, f32, f32});
  Value result = NVVM::MmaOp::create(
      b, resultType, a, bFragment, d, ArrayRef<int64_t>{16, 8, 8},
      std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::tf32,
                                    NVVM::MMATypes::tf32},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i) {
    out.push_back(LLVM::ExtractValueOp::create(b, result, i));
  }
  return out;
}

/// Stages columns [chunk, chunk + t.chunk) of `rows` rows (rows first ..
/// first + rows - 1) into dst[row - first][t.pitch]: rows below `count` and
/// columns below `width` read `at(row, column)`; the rest stage 0 after
/// reading a valid element (no branches: every load in flight).
void stageColumns(KernelBuilder &kb, const AssignTiling &t, int64_t rows,
                  Value first, Value count, int64_t width, Value chunk,
                  Value dst, function_ref<Value(Value, Value)> at) {
  stageValues(
      kb, rows * t.chunk,
      [&](Value e) -> Value {
        Value row = kb.add(first, kb.divu(e, kb.idx(t.chunk)));
        Value dim = kb.add(chunk, kb.remu(e, kb.idx(t.chunk)));
        Value inside = kb.andI1(kb.cmp(CmpIPredicate::ult, dim, kb.idx(width)),
                                kb.cmp(CmpIPredicate::ult, row, count));
        Value v = at(kb.minu(row, kb.sub(count, kb.idx(1))),
                     kb.minu(dim, kb.idx(width - 1)));
        return kb.select(inside, v, kb.f32(0.0f));
      },
      [&](Value e, Value v) {
        Value r = kb.divu(e, kb.idx(t.chunk));
        Value i = kb.remu(e, kb.idx(t.chunk));
        kb.store(v, dst, kb.add(kb.mul(r, kb.idx(t.pitch)), i));
      });
}

/// Where a thread's part of the tile lies: its warp's first point (in the
/// tile) and first centroid, and its fragment coordinates.
struct WarpPlace {
  Value firstRow, firstCentroid, warpColumn, quad, inQuad;
};

/// Stores the code of tile point `p` (the workspace's assignment, or the
/// codebook on the final pass).
void storeCode(KernelBuilder &kb, const BuildInfo &info,
               const KernelArgs &args, const BuildGroup &g, Value codes,
               Value point, Value code, bool final) {
  ImplicitLocOpBuilder &b = kb.b;
  if (!final) {
    kb.store(arith::TruncIOp::create(b, b.getI8Type(), code), codes,
             kb.add(kb.mul(g.local, kb.idx(info.maxPoints())), point));
    return;
  }
  Value stored = info.codeType.isInteger(8)
                     ? Value(arith::TruncIOp::create(b, info.codeType, code))
                     : Value(arith::ExtUIOp::create(b, info.codeType, code));
  Value at = kb.add(firstCodeIndex(kb, info.layout, info.kvHeads,
                                   info.subspaces, args.codeCapacity, g.batch,
                                   g.kvHead, point),
                    g.s);
  kb.store(stored, args.codes, at);
}

/// The codes of a tile's points from the accumulated dot products: each
/// thread's candidates in increasing c, then the quad's, then (several warps
/// across the centroids) the warps' in centroid order through `pairs`
/// ([warpColumns][P] of (distance, code) words). Barriers inside when
/// warpColumns > 1.
void emitTileCodes(KernelBuilder &kb, const BuildInfo &info,
                   const KernelArgs &args, const BuildGroup &g,
                   const AssignTiling &t, ArrayRef<Value> acc, Value norms,
                   Value codes, Value pairs, Value tileStart,
                   const WarpPlace &w, bool final) {
  ImplicitLocOpBuilder &b = kb.b;
  const float inf = std::numeric_limits<float>::infinity();
  const int64_t tilePoints = t.points();
  for (int64_t mt = 0; mt < t.rowTiles; ++mt) {
    for (int64_t half = 0; half < 2; ++half) { // rows g and g + 8
      Value best = kb.f32(inf), code = kb.i32(0);
      for (int64_t nt = 0; nt < t.warpTiles; ++nt) {
        for (int64_t j = 0; j < 2; ++j) {
          Value c = kb.add(w.firstCentroid,
                           kb.add(kb.mul(w.inQuad, kb.idx(2)),
                                  kb.idx(8 * nt + j)));
          Value dot = acc[(mt * t.warpTiles + nt) * 4 + 2 * half + j];
          Value distance = kb.fma(kb.f32(-2.0f), dot, kb.load(norms, c));
          // The candidates come in increasing c, so strictly nearer
          // replaces (the lowest c wins a tie) and an ordered comparison
          // keeps a NaN distance from ever winning, as +inf would.
          Value nearer =
              kb.cmpf(arith::CmpFPredicate::OLT, distance, best);
          best = kb.select(nearer, distance, best);
          code = kb.select(nearer, kb.toI32(c), code);
        }
      }
      for (int32_t offset : {1, 2}) {
        std::tie(best, code) =
            closer(kb, best, code, kb.shuffleXor(best, offset),
                   kb.shuffleXor(code, offset));
      }
      Value row = kb.add(w.firstRow, kb.add(w.quad, kb.idx(16 * mt + 8 * half)));
      Value lead = kb.cmp(CmpIPredicate::eq, w.inQuad, kb.idx(0));
      if (t.warpColumns == 1) {
        Value point = kb.add(tileStart, row);
        kb.ifThen(kb.andI1(lead, kb.cmp(CmpIPredicate::ult, point, g.n)),
                  [&] { storeCode(kb, info, args, g, codes, point, code, final); });
        continue;
      }
      kb.ifThen(lead, [&] {
        Value at = kb.mul(kb.add(kb.mul(w.warpColumn, kb.idx(tilePoints)), row),
                          kb.idx(2));
        kb.store(arith::BitcastOp::create(b, b.getI32Type(), best), pairs, at);
        kb.store(code, pairs, kb.add(at, kb.idx(1)));
      });
    }
  }
  if (t.warpColumns == 1) {
    return;
  }
  kb.barrier();
  kb.forEachThread(kb.idx(tilePoints), [&](Value row) {
    Value best = kb.f32(inf), code = kb.i32(0);
    for (int64_t col = 0; col < t.warpColumns; ++col) {
      Value at = kb.mul(kb.add(kb.idx(col * tilePoints), row), kb.idx(2));
      Value other = arith::BitcastOp::create(b, b.getF32Type(),
                                             kb.load(pairs, at));
      std::tie(best, code) = closer(kb, best, code, other,
                                    kb.load(pairs, kb.add(at, kb.idx(1))));
    }
    Value point = kb.add(tileStart, row);
    kb.ifThen(kb.cmp(CmpIPredicate::ult, point, g.n),
              [&] { storeCode(kb, info, args, g, codes, point, code, final); });
  });
}

} // namespace

gpu::GPUFuncOp mlir::pq::buildAssignKernel(gpu::GPUModuleOp module,
                                           StringRef name,
                                           const BuildInfo &info, Location loc,
                                           bool final) {
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  const AssignTiling t(count, width);
  const int64_t padded = t.paddedCentroids();
  const int64_t tilePoints = t.points();
  const bool residentCentroids = t.chunks == 1;
  // f32 regions: centroids [C'][pitch], points [P][pitch], norms [C'].
  const int64_t centroidWords = padded * t.pitch;
  const int64_t pointWords = tilePoints * t.pitch;
  const int64_t pointOffset = centroidWords * 4;
  const int64_t normOffset = pointOffset + pointWords * 4;
  const int64_t pairOffset = normOffset + padded * 4;
  const int64_t pairWords = t.warpColumns > 1 ? t.warpColumns * tilePoints * 2 : 0;
  const int64_t smem = pairOffset + pairWords * 4;
  const int64_t tiles = (info.maxPoints() + tilePoints - 1) / tilePoints;
  const int64_t perCta = t.tilesPerCta(tiles);
  const float inf = std::numeric_limits<float>::infinity();

  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {(tiles + perCta - 1) / perCta, info.localGroups(), -1},
      kThreads, smem, b, args, /*blocksPerSM=*/2);
  KernelBuilder kb(b, kThreads);
  BuildGroup g = buildGroup(kb, info, args);
  Value firstTile = kb.mul(kb.blockId(gpu::Dimension::x), kb.idx(perCta));
  Value active = kb.cmp(CmpIPredicate::ult,
                        kb.mul(firstTile, kb.idx(tilePoints)), g.n);
  if (!final) {
    active = kb.andI1(active, kb.notI1(buildStopped(kb, info, args)));
  }
  kb.ifThen(active, [&] {
    Value shared = kb.dynamicShared();
    Value cs = kb.sharedView(shared, 0, centroidWords, b.getF32Type());
    Value xs = kb.sharedView(shared, pointOffset, pointWords, b.getF32Type());
    Value norms = kb.sharedView(shared, normOffset, padded, b.getF32Type());
    Value pairs = pairWords ? kb.sharedView(shared, pairOffset, pairWords,
                                            b.getI32Type())
                            : Value();
    Value working =
        regionView(kb, args, g, BuildRegion::Centroids);
    Value codes = regionView(kb, args, g, BuildRegion::Codes);
    // Column `dim` of centroid c: the working f32 copy, or the stored one.
    auto centroidAt = [&](Value c, Value dim) -> Value {
      Value row = kb.add(kb.mul(final ? g.group : g.local, kb.idx(count)), c);
      Value at = kb.add(kb.mul(row, kb.idx(width)), dim);
      return final ? kb.toF32(kb.load(args.centroids, at))
                   : kb.load(working, at);
    };
    auto stageCentroids = [&](Value chunk) {
      stageColumns(kb, t, padded, kb.idx(0), kb.idx(count), width, chunk, cs,
                   centroidAt);
    };

    Value tid = kb.threadId();
    // ||c||^2 once per CTA (padding: +inf, never nearest).
    kb.ifThen(kb.cmp(CmpIPredicate::ult, tid, kb.idx(padded)), [&] {
      Value real = kb.cmp(CmpIPredicate::ult, tid, kb.idx(count));
      Value norm = kb.ifThenElse(
          real, TypeRange{b.getF32Type()},
          [&]() -> SmallVector<Value> {
            return {kb.forLoop(
                kb.idx(0), kb.idx(width), kb.idx(1), ValueRange{kb.f32(0.0f)},
                [&](Value i, ValueRange sum) -> SmallVector<Value> {
                  Value v = centroidAt(tid, i);
                  return {kb.fma(v, v, sum[0])};
                })[0]};
          },
          [&]() -> SmallVector<Value> { return {kb.f32(inf)}; })[0];
      kb.store(norm, norms, tid);
    });
    if (residentCentroids) {
      stageCentroids(kb.idx(0));
    }

    Value lane = kb.laneId();
    WarpPlace w;
    w.quad = kb.shru(lane, kb.idx(2));     // groupID: the fragment's row
    w.inQuad = kb.bitAnd(lane, kb.idx(3)); // its column pair
    w.warpColumn = kb.remu(kb.warpId(), kb.idx(t.warpColumns));
    w.firstRow = kb.mul(kb.divu(kb.warpId(), kb.idx(t.warpColumns)),
                        kb.idx(16 * t.rowTiles));
    w.firstCentroid = kb.mul(w.warpColumn, kb.idx(8 * t.warpTiles));
    const int64_t accumulators = t.rowTiles * t.warpTiles * 4;
    // Rolled: copies of the tile body would crowd the registers.
    kb.forLoopRolled(firstTile, kb.add(firstTile, kb.idx(perCta)), kb.idx(1),
                     [&](Value tile) {
      Value tileStart = kb.mul(tile, kb.idx(tilePoints));
      kb.ifThen(kb.cmp(CmpIPredicate::ult, tileStart, g.n), [&] {
        SmallVector<Value> inits(accumulators, kb.f32(0.0f));
        SmallVector<Value> acc = kb.forLoop(
            kb.idx(0), kb.idx(t.chunks * t.chunk), kb.idx(t.chunk), inits,
            [&](Value chunk, ValueRange carried) -> SmallVector<Value> {
              kb.barrier(); // the previous chunk or tile has been read
              if (!residentCentroids) {
                stageCentroids(chunk);
              }
              stageColumns(kb, t, tilePoints, tileStart, g.n, width, chunk,
                           xs, [&](Value point, Value dim) {
                             return loadPoint(kb, info, args, g, point, dim);
                           });
              kb.barrier();
              return kb.forLoop(
                  kb.idx(0), kb.idx(t.chunk), kb.idx(8), carried,
                  [&](Value k0, ValueRange sums) -> SmallVector<Value> {
                    Value column = kb.add(k0, w.inQuad);
                    // A fragments (rows g, g + 8; columns t, t + 4).
                    SmallVector<SmallVector<Value>> aHi, aLo;
                    for (int64_t mt = 0; mt < t.rowTiles; ++mt) {
                      Value row =
                          kb.add(w.firstRow, kb.add(w.quad, kb.idx(16 * mt)));
                      SmallVector<Value> hi, lo;
                      for (auto [dr, dk] :
                           {std::pair<int64_t, int64_t>{0, 0},
                            {8, 0}, {0, 4}, {8, 4}}) {
                        Value at = kb.add(
                            kb.mul(kb.add(row, kb.idx(dr)), kb.idx(t.pitch)),
                            kb.add(column, kb.idx(dk)));
                        auto [h, l] = splitTf32(kb, kb.load(xs, at));
                        hi.push_back(h);
                        lo.push_back(l);
                      }
                      aHi.push_back(hi);
                      aLo.push_back(lo);
                    }
                    SmallVector<Value> out(sums.begin(), sums.end());
                    for (int64_t nt = 0; nt < t.warpTiles; ++nt) {
                      // B fragment: centroid 8 nt + g of the warp's,
                      // columns t, t + 4.
                      Value c = kb.add(w.firstCentroid,
                                       kb.add(w.quad, kb.idx(8 * nt)));
                      Value at = kb.add(kb.mul(c, kb.idx(t.pitch)), column);
                      auto [h0, l0] = splitTf32(kb, kb.load(cs, at));
                      auto [h1, l1] =
                          splitTf32(kb, kb.load(cs, kb.add(at, kb.idx(4))));
                      for (int64_t mt = 0; mt < t.rowTiles; ++mt) {
                        int64_t base = (mt * t.warpTiles + nt) * 4;
                        ArrayRef<Value> d(out.data() + base, 4);
                        SmallVector<Value> r =
                            mmaTf32(kb, aLo[mt], {h0, h1}, d);
                        r = mmaTf32(kb, aHi[mt], {l0, l1}, r);
                        r = mmaTf32(kb, aHi[mt], {h0, h1}, r);
                        std::copy(r.begin(), r.end(), out.begin() + base);
                      }
                    }
                    return out;
                  });
            });
        emitTileCodes(kb, info, args, g, t, acc, norms, codes, pairs,
                      tileStart, w, final);
      });
    });
  });
  return func;
}
