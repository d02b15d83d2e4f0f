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
// fp32 accuracy from TF32 products: a centroid value is split c = hi + lo
// (hi its top 19 bits, what a TF32 operand keeps). bf16 and f16 keys are
// exact in TF32, so x.c = x.hi + x.lo in two products a step; the ip
// column (an f32) is split into two point columns (its hi and lo) against
// the centroid's column twice. f32 keys are split too, x.c ~ hi.hi + hi.lo
// + lo.hi (3xTF32; the dropped lo.lo is below 2^-22 of the product).
// The accumulators start at -||c||^2 / 2, so they end at x.c - ||c||^2 / 2,
// whose argmax is the nearest centroid (-2 times it is the distance up to
// ||x||^2, exactly). The argmax keeps the lowest c among equal values, in
// the thread (its centroids come in increasing c) and then across the four
// threads sharing a point. Distances round differently from the
// reference's (x - c)^2 sums, so near-ties may differ (docs/BUILD.md).
//
//===----------------------------------------------------------------------===//

#include "BuildAssignShared.h"
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

/// The accumulators' start: -||c||^2 / 2 of each one's centroid (its
/// column: 2 inQuad + j of column tile nt).
SmallVector<Value> normStarts(KernelBuilder &kb, const AssignTiling &t,
                              Value norms, const WarpPlace &w) {
  SmallVector<Value> starts(t.rowTiles * t.warpTiles * 4);
  for (int64_t nt = 0; nt < t.warpTiles; ++nt) {
    for (int64_t j = 0; j < 2; ++j) {
      Value c = kb.add(w.firstCentroid,
                       kb.add(kb.mul(w.inQuad, kb.idx(2)), kb.idx(8 * nt + j)));
      Value start = kb.mulf(kb.load(norms, c), kb.f32(-0.5f));
      for (int64_t mt = 0; mt < t.rowTiles; ++mt) {
        for (int64_t half = 0; half < 2; ++half) {
          starts[(mt * t.warpTiles + nt) * 4 + 2 * half + j] = start;
        }
      }
    }
  }
  return starts;
}

/// The codes of a tile's points from the accumulated x.c - ||c||^2 / 2:
/// each thread's candidates in increasing c, then the quad's, then (several
/// warps across the centroids) the warps' in centroid order through `pairs`
/// ([warpColumns][P] of (distance, code) words). Barriers inside when
/// warpColumns > 1.
void emitTileCodes(KernelBuilder &kb, const BuildInfo &info,
                   const KernelArgs &args, const BuildGroup &g,
                   const AssignTiling &t, ArrayRef<Value> acc,
                   Value codes, Value pairs, Value tileStart,
                   const WarpPlace &w, bool final) {
  ImplicitLocOpBuilder &b = kb.b;
  const float inf = std::numeric_limits<float>::infinity();
  const int64_t tilePoints = t.points();
  for (int64_t mt = 0; mt < t.rowTiles; ++mt) {
    for (int64_t half = 0; half < 2; ++half) { // rows g and g + 8
      Value best = kb.f32(-inf), code = kb.i32(0);
      for (int64_t nt = 0; nt < t.warpTiles; ++nt) {
        for (int64_t j = 0; j < 2; ++j) {
          Value c = kb.add(w.firstCentroid,
                           kb.add(kb.mul(w.inQuad, kb.idx(2)),
                                  kb.idx(8 * nt + j)));
          Value score = acc[(mt * t.warpTiles + nt) * 4 + 2 * half + j];
          // The candidates come in increasing c, so strictly nearer
          // replaces (the lowest c wins a tie) and an ordered comparison
          // keeps a NaN score (and padding's -inf) from ever winning.
          Value nearer = kb.cmpf(arith::CmpFPredicate::OGT, score, best);
          best = kb.select(nearer, score, best);
          code = kb.select(nearer, kb.toI32(c), code);
        }
      }
      // The distance up to ||x||^2 (exact: a power of two), so that the
      // argmins below compare distances like the reference's.
      best = kb.mulf(best, kb.f32(-2.0f));
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
  if (info.wgmma && wgmmaAssignFits(info)) {
    return buildAssignKernelWgmma(module, name, info, loc, final);
  }
  const int64_t count = info.centroids;
  const AssignColumns columns(info);
  const AssignTiling t(count, columns.mma);
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

  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {(tiles + perCta - 1) / perCta, info.localGroups(), -1},
      kThreads, smem, b, args, /*blocksPerSM=*/2);
  KernelBuilder kb(b, kThreads);
  BuildGroup g = buildGroup(kb, info, args);
  Value firstTile = kb.mul(kb.blockId(gpu::Dimension::x), kb.idx(perCta));
  kb.ifThen(assignCtaActive(kb, info, args, g, firstTile, tilePoints, final), [&] {
    Value shared = kb.dynamicShared();
    Value cs = kb.sharedView(shared, 0, centroidWords, b.getF32Type());
    Value xs = kb.sharedView(shared, pointOffset, pointWords, b.getF32Type());
    Value norms = kb.sharedView(shared, normOffset, padded, b.getF32Type());
    Value pairs = pairWords ? kb.sharedView(shared, pairOffset, pairWords,
                                            b.getI32Type())
                            : Value();
    Value codes = regionView(kb, args, g, BuildRegion::Codes);
    const AssignSources sources(kb, info, args, g, final);
    auto centroidColumn = [&](Value c, Value dim) {
      return sources.centroidColumn(kb, c, dim);
    };
    auto pointColumn = [&](Value point, Value dim) {
      return sources.pointColumn(kb, point, dim);
    };
    auto stageCentroids = [&](Value chunk) {
      stageColumns(kb, t, padded, kb.idx(0), kb.idx(count), columns.mma,
                   chunk, cs, centroidColumn);
    };

    storeCentroidNorms(kb, sources, norms, padded);
    if (residentCentroids) {
      stageCentroids(kb.idx(0));
    }
    kb.barrier(); // the norms are read at each tile's start

    Value lane = kb.laneId();
    WarpPlace w;
    w.quad = kb.shru(lane, kb.idx(2));     // groupID: the fragment's row
    w.inQuad = kb.bitAnd(lane, kb.idx(3)); // its column pair
    w.warpColumn = kb.remu(kb.warpId(), kb.idx(t.warpColumns));
    w.firstRow = kb.mul(kb.divu(kb.warpId(), kb.idx(t.warpColumns)),
                        kb.idx(16 * t.rowTiles));
    w.firstCentroid = kb.mul(w.warpColumn, kb.idx(8 * t.warpTiles));
    // Rolled: copies of the tile body would crowd the registers.
    kb.forLoopRolled(firstTile, kb.add(firstTile, kb.idx(perCta)), kb.idx(1),
                     [&](Value tile) {
      Value tileStart = kb.mul(tile, kb.idx(tilePoints));
      kb.ifThen(kb.cmp(CmpIPredicate::ult, tileStart, g.n), [&] {
        SmallVector<Value> inits = normStarts(kb, t, norms, w);
        SmallVector<Value> acc = kb.forLoop(
            kb.idx(0), kb.idx(t.chunks * t.chunk), kb.idx(t.chunk), inits,
            [&](Value chunk, ValueRange carried) -> SmallVector<Value> {
              kb.barrier(); // the previous chunk or tile has been read
              if (!residentCentroids) {
                stageCentroids(chunk);
              }
              stageColumns(kb, t, tilePoints, tileStart, g.n, columns.mma,
                           chunk, xs, pointColumn);
              kb.barrier();
              return kb.forLoop(
                  kb.idx(0), kb.idx(t.chunk), kb.idx(8), carried,
                  [&](Value k0, ValueRange sums) -> SmallVector<Value> {
                    Value column = kb.add(k0, w.inQuad);
                    // A fragments (rows g, g + 8; columns t, t + 4): as
                    // staged when exact, else split.
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
                        Value x = kb.load(xs, at);
                        if (columns.exactPoints) {
                          hi.push_back(arith::BitcastOp::create(
                              b, b.getI32Type(), x));
                          continue;
                        }
                        auto [h, l] = splitTf32(kb, x);
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
                        // The small products first.
                        SmallVector<Value> r =
                            mmaTf32(kb, aHi[mt], {l0, l1}, d);
                        if (!columns.exactPoints) {
                          r = mmaTf32(kb, aLo[mt], {h0, h1}, r);
                        }
                        r = mmaTf32(kb, aHi[mt], {h0, h1}, r);
                        std::copy(r.begin(), r.end(), out.begin() + base);
                      }
                    }
                    return out;
                  });
            });
        emitTileCodes(kb, info, args, g, t, acc, codes, pairs,
                      tileStart, w, final);
      });
    });
  });
  return func;
}
