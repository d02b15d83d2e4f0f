//===- BuildAssign.cpp - Nearest centroid of every point, on tensor cores -===//
//
// The argmin over c of ||x - c||^2 is the argmin of ||c||^2 - 2 x.c, so a
// pass is a matrix product per group: P points x C centroids over ds'
// columns. A CTA takes a tile of P points of one group against all C
// centroids (padded to a multiple of 8 with centroids of norm +inf, which
// never win): points and centroids are staged row by row in shared memory,
// kChunk columns at a time (rows 36 floats apart: the fragment reads below
// hit 32 distinct banks), and each warp multiplies MT row tiles of 16 points
// by every 8-centroid column tile with mma.sync m16n8k8 (TF32, sm_80+).
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
/// Columns staged at a time, and the staged rows' pitch in floats.
constexpr int64_t kChunk = 32;
constexpr int64_t kPitch = kChunk + 4;
/// Accumulators a thread may keep (MT row tiles x column tiles x 4), and
/// row tiles a warp takes at most: two keep the A fragments and the staged
/// loads beside 64 accumulators without spills (four spilled at C = 64).
constexpr int64_t kMaxAccumulators = 128;
constexpr int64_t kMaxRowTiles = 2;

/// The warp tiling of the assignment for C centroids.
struct AssignTiling {
  int64_t columnTiles; // ceil(C / 8)
  int64_t rowTiles;    // MT: 16-point row tiles per warp
  explicit AssignTiling(int64_t count) {
    columnTiles = (count + 7) / 8;
    rowTiles = std::clamp<int64_t>(kMaxAccumulators / (4 * columnTiles), 1,
                                   kMaxRowTiles);
  }
  int64_t paddedCentroids() const { return 8 * columnTiles; }
  int64_t points() const { return kWarps * 16 * rowTiles; }
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

} // namespace

gpu::GPUFuncOp mlir::pq::buildAssignKernel(gpu::GPUModuleOp module,
                                           StringRef name,
                                           const BuildInfo &info, Location loc,
                                           bool final) {
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  const AssignTiling t(count);
  const int64_t padded = t.paddedCentroids();
  const int64_t tilePoints = t.points();
  const int64_t chunks = (width + kChunk - 1) / kChunk;
  // f32 regions: centroids [C'][kPitch], points [P][kPitch], norms [C'].
  const int64_t centroidWords = padded * kPitch;
  const int64_t pointWords = tilePoints * kPitch;
  const int64_t pointOffset = centroidWords * 4;
  const int64_t normOffset = pointOffset + pointWords * 4;
  const int64_t smem = normOffset + padded * 4;
  const int64_t tiles = (info.maxPoints() + tilePoints - 1) / tilePoints;

  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {tiles, info.localGroups(), -1}, kThreads, smem, b,
      args);
  KernelBuilder kb(b, kThreads);
  BuildGroup g = buildGroup(kb, info, args);
  BuildWorkspace ws = planBuildWorkspace(info);
  Value tileStart = kb.mul(kb.blockId(gpu::Dimension::x), kb.idx(tilePoints));
  Value active = kb.cmp(CmpIPredicate::ult, tileStart, g.n);
  if (!final) {
    active = kb.andI1(active, kb.notI1(buildStopped(kb, info, args)));
  }
  kb.ifThen(active, [&] {
    auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                            gpu::AddressSpace::Workgroup);
    Value shared = gpu::DynamicSharedMemoryOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                           MemRefLayoutAttrInterface{}, space));
    Value cs = kb.sharedView(shared, 0, centroidWords, b.getF32Type());
    Value xs = kb.sharedView(shared, pointOffset, pointWords, b.getF32Type());
    Value norms = kb.sharedView(shared, normOffset, padded, b.getF32Type());
    Value working =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.centroids)),
                      info.localGroups() * count * width, b.getF32Type());
    // Column `dim` of centroid c: the working f32 copy, or the stored one.
    auto centroidAt = [&](Value c, Value dim) -> Value {
      Value row = kb.add(kb.mul(final ? g.group : g.local, kb.idx(count)), c);
      Value at = kb.add(kb.mul(row, kb.idx(width)), dim);
      return final ? kb.toF32(kb.load(args.centroids, at))
                   : kb.load(working, at);
    };

    Value tid = kb.threadId();
    Value lane = kb.laneId();
    Value quad = kb.shru(lane, kb.idx(2));   // groupID: the fragment's row
    Value inQuad = kb.bitAnd(lane, kb.idx(3)); // its column pair
    Value warpRows = kb.mul(kb.warpId(), kb.idx(16 * t.rowTiles));
    const int64_t accumulators = t.rowTiles * t.columnTiles * 4;
    SmallVector<Value> inits(accumulators, kb.f32(0.0f));
    inits.push_back(kb.f32(0.0f)); // ||c||^2 of centroid tid (tid < C)
    SmallVector<Value> acc = kb.forLoop(
        kb.idx(0), kb.idx(chunks * kChunk), kb.idx(kChunk), inits,
        [&](Value chunk, ValueRange carried) -> SmallVector<Value> {
          kb.barrier(); // the previous chunk has been read
          // Out-of-range centroids, columns and points read a valid
          // element and stage 0: no branches, every load in flight.
          stageValues(
              kb, padded * kChunk,
              [&](Value e) -> Value {
                Value c = kb.divu(e, kb.idx(kChunk));
                Value dim = kb.add(chunk, kb.remu(e, kb.idx(kChunk)));
                Value inside =
                    kb.andI1(kb.cmp(CmpIPredicate::ult, dim, kb.idx(width)),
                             kb.cmp(CmpIPredicate::ult, c, kb.idx(count)));
                Value v = centroidAt(kb.minu(c, kb.idx(count - 1)),
                                     kb.minu(dim, kb.idx(width - 1)));
                return kb.select(inside, v, kb.f32(0.0f));
              },
              [&](Value e, Value v) {
                Value c = kb.divu(e, kb.idx(kChunk));
                Value i = kb.remu(e, kb.idx(kChunk));
                kb.store(v, cs, kb.add(kb.mul(c, kb.idx(kPitch)), i));
              });
          stageValues(
              kb, tilePoints * kChunk,
              [&](Value e) -> Value {
                Value point = kb.add(tileStart, kb.divu(e, kb.idx(kChunk)));
                Value dim = kb.add(chunk, kb.remu(e, kb.idx(kChunk)));
                Value inside =
                    kb.andI1(kb.cmp(CmpIPredicate::ult, dim, kb.idx(width)),
                             kb.cmp(CmpIPredicate::ult, point, g.n));
                Value v = loadPoint(kb, info, args, g, ws,
                                    kb.minu(point, kb.sub(g.n, kb.idx(1))),
                                    kb.minu(dim, kb.idx(width - 1)));
                return kb.select(inside, v, kb.f32(0.0f));
              },
              [&](Value e, Value v) {
                Value p = kb.divu(e, kb.idx(kChunk));
                Value i = kb.remu(e, kb.idx(kChunk));
                kb.store(v, xs, kb.add(kb.mul(p, kb.idx(kPitch)), i));
              });
          kb.barrier();
          SmallVector<Value> next = kb.forLoop(
              kb.idx(0), kb.idx(kChunk), kb.idx(8), carried,
              [&](Value k0, ValueRange sums) -> SmallVector<Value> {
                Value column = kb.add(k0, inQuad);
                // A fragments (rows g, g + 8; columns t, t + 4) per row tile.
                SmallVector<SmallVector<Value>> aHi, aLo;
                for (int64_t mt = 0; mt < t.rowTiles; ++mt) {
                  Value row = kb.add(warpRows, kb.add(quad, kb.idx(16 * mt)));
                  SmallVector<Value> hi, lo;
                  for (auto [dr, dk] : {std::pair<int64_t, int64_t>{0, 0},
                                        {8, 0}, {0, 4}, {8, 4}}) {
                    Value at = kb.add(
                        kb.mul(kb.add(row, kb.idx(dr)), kb.idx(kPitch)),
                        kb.add(column, kb.idx(dk)));
                    auto [h, l] = splitTf32(kb, kb.load(xs, at));
                    hi.push_back(h);
                    lo.push_back(l);
                  }
                  aHi.push_back(hi);
                  aLo.push_back(lo);
                }
                SmallVector<Value> out(sums.begin(), sums.end());
                for (int64_t nt = 0; nt < t.columnTiles; ++nt) {
                  // B fragment: centroid 8 nt + g, columns t and t + 4.
                  Value c = kb.add(quad, kb.idx(8 * nt));
                  Value at = kb.add(kb.mul(c, kb.idx(kPitch)), column);
                  auto [h0, l0] = splitTf32(kb, kb.load(cs, at));
                  auto [h1, l1] =
                      splitTf32(kb, kb.load(cs, kb.add(at, kb.idx(4))));
                  for (int64_t mt = 0; mt < t.rowTiles; ++mt) {
                    int64_t base = (mt * t.columnTiles + nt) * 4;
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
          // The norm of centroid tid over this chunk (padding adds 0).
          Value owner = kb.cmp(CmpIPredicate::ult, tid, kb.idx(count));
          next[accumulators] = kb.ifThenElse(
              owner, TypeRange{b.getF32Type()},
              [&]() -> SmallVector<Value> {
                Value norm = carried[accumulators];
                for (int64_t i = 0; i < kChunk; ++i) {
                  Value v = kb.load(
                      cs, kb.add(kb.mul(tid, kb.idx(kPitch)), kb.idx(i)));
                  norm = kb.fma(v, v, norm);
                }
                return {norm};
              },
              [&]() -> SmallVector<Value> {
                return {carried[accumulators]};
              })[0];
          return next;
        });
    const float inf = std::numeric_limits<float>::infinity();
    kb.ifThen(kb.cmp(CmpIPredicate::ult, tid, kb.idx(padded)), [&] {
      Value real = kb.cmp(CmpIPredicate::ult, tid, kb.idx(count));
      kb.store(kb.select(real, acc[accumulators], kb.f32(inf)), norms, tid);
    });
    kb.barrier();

    Value codes = workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.codes)),
                                info.localGroups() * info.maxPoints(),
                                b.getI8Type());
    for (int64_t mt = 0; mt < t.rowTiles; ++mt) {
      for (int64_t half = 0; half < 2; ++half) { // rows g and g + 8
        Value best = kb.f32(inf), code = kb.i32(0);
        for (int64_t nt = 0; nt < t.columnTiles; ++nt) {
          for (int64_t j = 0; j < 2; ++j) {
            Value c = kb.add(kb.mul(inQuad, kb.idx(2)), kb.idx(8 * nt + j));
            Value dot = acc[(mt * t.columnTiles + nt) * 4 + 2 * half + j];
            Value distance =
                nanToInf(kb, kb.fma(kb.f32(-2.0f), dot, kb.load(norms, c)));
            // Centroids come in increasing c: strictly nearer replaces.
            std::tie(best, code) =
                closer(kb, best, code, distance, kb.toI32(c));
          }
        }
        for (int32_t offset : {1, 2}) {
          std::tie(best, code) = closer(kb, best, code,
                                        kb.shuffleXor(best, offset),
                                        kb.shuffleXor(code, offset));
        }
        Value point = kb.add(
            tileStart,
            kb.add(warpRows, kb.add(quad, kb.idx(16 * mt + 8 * half))));
        Value writes =
            kb.andI1(kb.cmp(CmpIPredicate::eq, inQuad, kb.idx(0)),
                     kb.cmp(CmpIPredicate::ult, point, g.n));
        kb.ifThen(writes, [&] {
          if (!final) {
            kb.store(arith::TruncIOp::create(b, b.getI8Type(), code), codes,
                     kb.add(kb.mul(g.local, kb.idx(info.maxPoints())), point));
            return;
          }
          Value stored =
              info.codeType.isInteger(8)
                  ? Value(arith::TruncIOp::create(b, info.codeType, code))
                  : Value(arith::ExtUIOp::create(b, info.codeType, code));
          Value at = kb.add(firstCodeIndex(kb, info.layout, info.kvHeads,
                                           info.subspaces, args.codeCapacity,
                                           g.batch, g.kvHead, point),
                            g.s);
          kb.store(stored, args.codes, at);
        });
      }
    }
  });
  return func;
}
