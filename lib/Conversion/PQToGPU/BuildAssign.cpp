//===- BuildAssign.cpp - Nearest centroid of every point, as a GEMM -------===//
//
// A CTA takes a tile of P points of one group against all C centroids: the
// distance argmin is ||c||^2 - 2 x.c (||x||^2 is the same for every c), so
// the work is a P x C x ds' matrix product. Both operands are staged in
// shared memory a chunk of kChunk dimensions at a time, transposed (rows
// of 16-byte multiples, shifted by 4 banks each), and each thread keeps a
// register tile of MP consecutive points x MC consecutive centroids, read
// as 16-byte vectors and accumulated with FMA (TC lanes across centroids,
// TP thread rows across points). The argmin keeps the lowest c
// among equal distances, in the thread and then across the TC lanes that
// share its points. Distances round differently from the reference's
// (x - c)^2 sums, so near-ties may differ (docs/BUILD.md).
//
//===----------------------------------------------------------------------===//

#include "BuildABI.h"
#include "CodeReader.h"
#include "Emitters.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

namespace {

constexpr int64_t kThreads = 256;
/// Dimensions staged at a time.
constexpr int64_t kChunk = 32;

/// The register tiling of the assignment for C centroids.
struct AssignTiling {
  int64_t mc, tc; // centroids per thread, lanes across centroids
  int64_t mp, tp; // points per thread, thread rows across points
  int64_t points() const { return mp * tp; }

  explicit AssignTiling(int64_t count) {
    mc = std::min<int64_t>(count, 16);
    tc = count / mc;
    tp = kThreads / tc;
    mp = std::clamp<int64_t>(kThreads / tp, 1, 8);
  }
};

/// The `count` items of a register tile a thread owns along one axis, from
/// its position `lane` among `lanes` threads: runs of four consecutive
/// items, the threads' runs side by side (so a warp's 16-byte loads cover
/// consecutive banks), or, for counts not a multiple of four, one item of
/// every `lanes`. Items come in increasing order.
struct Owned {
  int64_t count, lanes;
  bool vectors() const { return count % 4 == 0; }
  Value item(KernelBuilder &kb, Value lane, int64_t k) const {
    if (!vectors()) {
      return kb.add(lane, kb.idx(k * lanes));
    }
    return kb.add(kb.mul(lane, kb.idx(4)),
                  kb.idx((k / 4) * 4 * lanes + k % 4));
  }
  /// The items' values from shared `view` at row offset `row`.
  SmallVector<Value> load(KernelBuilder &kb, Value view, Value row,
                          Value lane) const {
    SmallVector<Value> values;
    if (!vectors()) {
      for (int64_t k = 0; k < count; ++k) {
        values.push_back(kb.load(view, kb.add(row, item(kb, lane, k))));
      }
      return values;
    }
    auto type = VectorType::get({4}, kb.b.getF32Type());
    for (int64_t k = 0; k < count; k += 4) {
      Value vector =
          kb.loadVector(type, view, kb.add(row, item(kb, lane, k)), 16);
      for (int64_t j = 0; j < 4; ++j) {
        values.push_back(vector::ExtractOp::create(kb.b, vector, j));
      }
    }
    return values;
  }
};

} // namespace

gpu::GPUFuncOp mlir::pq::buildAssignKernel(gpu::GPUModuleOp module,
                                           StringRef name,
                                           const BuildInfo &info, Location loc,
                                           bool final) {
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  const AssignTiling t(count);
  const int64_t tilePoints = t.points();
  const int64_t centroidPitch = count + 4, pointPitch = tilePoints + 4;
  const int64_t chunks = (width + kChunk - 1) / kChunk;
  // f32 regions: centroids [kChunk][C + 1], points [kChunk][P + 1], norms [C].
  const int64_t centroidWords = kChunk * centroidPitch;
  const int64_t pointWords = kChunk * pointPitch;
  const int64_t pointOffset = (centroidWords * 4 + 15) / 16 * 16;
  const int64_t normOffset = pointOffset + (pointWords * 4 + 15) / 16 * 16;
  const int64_t smem = normOffset + count * 4;
  const int64_t tiles =
      (info.maxPoints() + tilePoints - 1) / tilePoints;

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
    Value norms = kb.sharedView(shared, normOffset, count, b.getF32Type());
    Value working =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.centroids)),
                      info.localGroups() * count * width, b.getF32Type());
    // Column `dim` of centroid c: the working f32 copy, or the stored one.
    auto centroidAt = [&](Value c, Value dim) -> Value {
      if (final) {
        Value at = kb.add(kb.mul(kb.add(kb.mul(g.group, kb.idx(count)), c),
                                 kb.idx(width)),
                          dim);
        return kb.toF32(kb.load(args.centroids, at));
      }
      Value at = kb.add(kb.mul(kb.add(kb.mul(g.local, kb.idx(count)), c),
                               kb.idx(width)),
                        dim);
      return kb.load(working, at);
    };

    Value tid = kb.threadId();
    Value cx = kb.remu(tid, kb.idx(t.tc));
    Value py = kb.divu(tid, kb.idx(t.tc));
    const int64_t tileSize = t.mp * t.mc;
    const Owned points{t.mp, t.tp}, centroids{t.mc, t.tc};
    SmallVector<Value> inits(tileSize, kb.f32(0.0f));
    inits.push_back(kb.f32(0.0f)); // ||c||^2 of centroid tid (tid < C)
    SmallVector<Value> acc = kb.forLoop(
        kb.idx(0), kb.idx(chunks * kChunk), kb.idx(kChunk), inits,
        [&](Value chunk, ValueRange carried) -> SmallVector<Value> {
          kb.barrier(); // the previous chunk has been read
          // Out-of-range columns and points read a valid element and
          // stage 0: no branches, so the loads are all in flight at once.
          stageValues(
              kb, count * kChunk,
              [&](Value e) -> Value {
                Value c = kb.divu(e, kb.idx(kChunk));
                Value dim = kb.add(chunk, kb.remu(e, kb.idx(kChunk)));
                Value inside = kb.cmp(CmpIPredicate::ult, dim, kb.idx(width));
                Value v = centroidAt(c, kb.minu(dim, kb.idx(width - 1)));
                return kb.select(inside, v, kb.f32(0.0f));
              },
              [&](Value e, Value v) {
                Value c = kb.divu(e, kb.idx(kChunk));
                Value i = kb.remu(e, kb.idx(kChunk));
                kb.store(v, cs, kb.add(kb.mul(i, kb.idx(centroidPitch)), c));
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
                kb.store(v, xs, kb.add(kb.mul(i, kb.idx(pointPitch)), p));
              });
          kb.barrier();
          SmallVector<Value> next = kb.forLoop(
              kb.idx(0), kb.idx(kChunk), kb.idx(1), carried,
              [&](Value i, ValueRange sums) -> SmallVector<Value> {
                SmallVector<Value> out;
                SmallVector<Value> x =
                    points.load(kb, xs, kb.mul(i, kb.idx(pointPitch)), py);
                SmallVector<Value> c = centroids.load(
                    kb, cs, kb.mul(i, kb.idx(centroidPitch)), cx);
                for (int64_t m = 0; m < t.mp; ++m) {
                  for (int64_t k = 0; k < t.mc; ++k) {
                    out.push_back(kb.fma(x[m], c[k], sums[m * t.mc + k]));
                  }
                }
                out.push_back(sums[tileSize]);
                return out;
              });
          // The norm of centroid tid over this chunk (padding adds 0).
          Value owner = kb.cmp(CmpIPredicate::ult, tid, kb.idx(count));
          next[tileSize] = kb.ifThenElse(
              owner, TypeRange{b.getF32Type()},
              [&]() -> SmallVector<Value> {
                Value norm = carried[tileSize];
                for (int64_t i = 0; i < kChunk; ++i) {
                  Value v = kb.load(
                      cs, kb.add(kb.idx(i * centroidPitch), tid));
                  norm = kb.fma(v, v, norm);
                }
                return {norm};
              },
              [&]() -> SmallVector<Value> { return {carried[tileSize]}; })[0];
          return next;
        });
    kb.ifThen(kb.cmp(CmpIPredicate::ult, tid, kb.idx(count)),
              [&] { kb.store(acc[tileSize], norms, tid); });
    kb.barrier();

    Value codes = workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.codes)),
                                info.localGroups() * info.maxPoints(),
                                b.getI8Type());
    const float inf = std::numeric_limits<float>::infinity();
    for (int64_t m = 0; m < t.mp; ++m) {
      Value best = kb.f32(inf), code = kb.i32(0);
      for (int64_t k = 0; k < t.mc; ++k) {
        Value c = centroids.item(kb, cx, k);
        Value distance = nanToInf(
            kb, kb.fma(kb.f32(-2.0f), acc[m * t.mc + k], kb.load(norms, c)));
        // Centroids come in increasing c: strictly nearer replaces.
        std::tie(best, code) =
            closer(kb, best, code, distance, kb.toI32(c));
      }
      for (int32_t offset = t.tc / 2; offset >= 1; offset /= 2) {
        std::tie(best, code) = closer(kb, best, code,
                                      kb.shuffleXor(best, offset),
                                      kb.shuffleXor(code, offset));
      }
      Value point = kb.add(tileStart, points.item(kb, py, m));
      Value writes = kb.andI1(kb.cmp(CmpIPredicate::eq, cx, kb.idx(0)),
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
  });
  return func;
}
