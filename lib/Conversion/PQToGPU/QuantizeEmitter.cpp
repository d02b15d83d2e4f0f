//===- QuantizeEmitter.cpp - Codes of new keys (SEMANTICS step 2) ---------===//
//
// One warp per (key, subspace): lanes take centroids c = lane, lane + 32, ...
// and a butterfly keeps the smallest distance, the lowest c among equals.
// Distances sum in dimension order without fusion, like the CPU reference,
// so both pick the same code.
//
//===----------------------------------------------------------------------===//

#include "CodeReader.h"
#include "Emitters.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include <algorithm>
#include <limits>
#include <tuple>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

/// Key and centroid elements a lane loads before using them.
constexpr int64_t kElementLoads = 16;

/// NaN never beats a real distance.
static Value nanToInf(KernelBuilder &kb, Value value) {
  Value isNan = kb.cmpf(CmpFPredicate::UNO, value, value);
  return kb.select(isNan, kb.f32(std::numeric_limits<float>::infinity()),
                   value);
}

/// ip -> l2: sqrt(max(phi - ||x||^2, 0)) as the augmented coordinate.
static Value augmentedCoordinate(KernelBuilder &kb, const StepInfo &info,
                                 const KernelArgs &args, Value keyBase,
                                 Value phiIndex) {
  Value norm = kb.forChunks(
      info.shape.subDim(), kElementLoads, ValueRange{kb.f32(0.0f)},
      [&](Value t0, int64_t width, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> xs;
        for (int64_t u = 0; u < width; ++u) {
          xs.push_back(kb.toF32(
              kb.load(args.key, kb.add(keyBase, kb.add(t0, kb.idx(u))))));
        }
        Value total = acc[0];
        for (Value x : xs) {
          total = kb.addf(total, kb.mulf(x, x));
        }
        return {total};
      })[0];
  Value gap = kb.subf(kb.load(args.phi, phiIndex), norm);
  Value positive = kb.cmpf(CmpFPredicate::OGT, gap, kb.f32(0.0f));
  Value safeGap = kb.select(positive, gap, kb.f32(0.0f));
  // The NVVM intrinsic is sqrt.rn.f32: correctly rounded like the
  // reference, and no libdevice call (math.sqrt would become __nv_sqrtf,
  // which needs the CUDA toolkit at compile time and rounds approximately).
  return LLVM::CallIntrinsicOp::create(
             kb.b, kb.b.getF32Type(),
             kb.b.getStringAttr("llvm.nvvm.sqrt.rn.f"), ValueRange{safeGap})
      .getResult(0);
}

/// Keeps (distance, code) pairs ordered as the reference's argmin does:
/// the smaller distance, then the lower centroid.
static std::pair<Value, Value> closer(KernelBuilder &kb, Value distance,
                                      Value code, Value otherDistance,
                                      Value otherCode) {
  Value nearer = kb.cmpf(CmpFPredicate::OLT, otherDistance, distance);
  Value tie = kb.andI1(kb.cmpf(CmpFPredicate::OEQ, otherDistance, distance),
                       kb.cmp(CmpIPredicate::slt, otherCode, code));
  Value take = kb.orI1(nearer, tie);
  return {kb.select(take, otherDistance, distance),
          kb.select(take, otherCode, code)};
}

void mlir::pq::emitQuantize(KernelBuilder &kb, const StepInfo &info,
                            const KernelArgs &args, const SharedViews &views,
                            Value batch, Value kvHead, Value begin,
                            Value end) {
  const StepShape &shape = info.shape;
  const int64_t subspaces = shape.subspaces;
  const int64_t centroids = shape.centroids;
  const int64_t width = info.centroidDim();
  const bool ip = info.metric == Metric::ip;
  // A decode step has one new key: spread each (key, subspace) over several
  // warps, each lane then scans at most 2 centroids instead of C / 32.
  const int64_t warps = kb.threads / 32;
  const int64_t warpsPerItem =
      std::clamp<int64_t>(centroids / 64, 1, std::min<int64_t>(4, warps));
  const int64_t itemsPerRound = warps / warpsPerItem;
  const int64_t laneStride = 32 * warpsPerItem;

  Value first = kb.maxs(begin, args.numCached);
  Value count = kb.maxs(kb.sub(end, first), kb.idx(0));
  Value items = kb.mul(count, kb.idx(subspaces));
  Value lane = kb.laneId();
  Value warp = kb.warpId();
  Value part = kb.remu(warp, kb.idx(warpsPerItem));
  Value batchKv = kb.add(kb.mul(batch, kb.idx(shape.kvHeads)), kvHead);
  Value inf = kb.f32(std::numeric_limits<float>::infinity());

  // Rounds are CTA-uniform: partial results meet in shared memory.
  kb.forLoop(kb.idx(0), items, kb.idx(itemsPerRound), [&](Value round) {
    Value item = kb.add(round, kb.divu(warp, kb.idx(warpsPerItem)));
    kb.ifThen(kb.cmp(CmpIPredicate::ult, item, items), [&] {
      Value j = kb.add(first, kb.divu(item, kb.idx(subspaces)));
      Value s = kb.remu(item, kb.idx(subspaces));
      Value position = kb.add(j, kb.idx(shape.initOffset));
      Value keyBase = kb.add(
          kb.mul(kb.add(kb.mul(batchKv, args.keyCapacity), position),
                 kb.idx(shape.headDim)),
          kb.mul(s, kb.idx(shape.subDim())));
      Value centroidBase =
          kb.mul(kb.add(kb.mul(batchKv, kb.idx(subspaces)), s),
                 kb.idx(centroids * width));
      Value augmented;
      if (ip) {
        Value phiIndex = kb.add(kb.mul(batchKv, kb.idx(subspaces)), s);
        augmented = augmentedCoordinate(kb, info, args, keyBase, phiIndex);
      }
      Value firstCentroid = kb.add(kb.mul(part, kb.idx(32)), lane);
      SmallVector<Value> best = kb.forLoop(
          firstCentroid, kb.idx(centroids), kb.idx(laneStride),
          ValueRange{inf, kb.toI32(firstCentroid)},
          [&](Value c, ValueRange acc) -> SmallVector<Value> {
            Value rowBase = kb.add(centroidBase, kb.mul(c, kb.idx(width)));
            Value distance = kb.forChunks(
                shape.subDim(), kElementLoads, ValueRange{kb.f32(0.0f)},
                [&](Value t0, int64_t width,
                    ValueRange sum) -> SmallVector<Value> {
                  SmallVector<Value> xs, ys;
                  for (int64_t u = 0; u < width; ++u) {
                    Value t = kb.add(t0, kb.idx(u));
                    xs.push_back(
                        kb.toF32(kb.load(args.key, kb.add(keyBase, t))));
                    ys.push_back(kb.toF32(
                        kb.load(args.centroids, kb.add(rowBase, t))));
                  }
                  Value total = sum[0];
                  for (int64_t u = 0; u < width; ++u) {
                    Value diff = kb.subf(xs[u], ys[u]);
                    total = kb.addf(total, kb.mulf(diff, diff));
                  }
                  return {total};
                })[0];
            if (ip) {
              Value y = kb.toF32(kb.load(
                  args.centroids, kb.add(rowBase, kb.idx(shape.subDim()))));
              Value diff = kb.subf(augmented, y);
              distance = kb.addf(distance, kb.mulf(diff, diff));
            }
            distance = nanToInf(kb, distance);
            Value better = kb.cmpf(CmpFPredicate::OLT, distance, acc[0]);
            return {kb.select(better, distance, acc[0]),
                    kb.select(better, kb.toI32(c), acc[1])};
          });
      Value bestDistance = best[0], bestCode = best[1];
      for (int32_t offset = 16; offset >= 1; offset /= 2) {
        std::tie(bestDistance, bestCode) =
            closer(kb, bestDistance, bestCode,
                   kb.shuffleXor(bestDistance, offset),
                   kb.shuffleXor(bestCode, offset));
      }
      kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)), [&] {
        Value bits = arith::BitcastOp::create(kb.b, kb.b.getI32Type(),
                                              bestDistance);
        kb.store(bits, views.hist, kb.mul(warp, kb.idx(2)));
        kb.store(bestCode, views.hist,
                 kb.add(kb.mul(warp, kb.idx(2)), kb.idx(1)));
      });
    });
    kb.barrier();
    // One thread per item combines its warps' partial results.
    Value mine = kb.add(round, kb.threadId());
    Value combines = kb.andI1(
        kb.cmp(CmpIPredicate::ult, kb.threadId(), kb.idx(itemsPerRound)),
        kb.cmp(CmpIPredicate::ult, mine, items));
    kb.ifThen(combines, [&] {
      Value firstWarp = kb.mul(kb.threadId(), kb.idx(warpsPerItem));
      Value distance = inf, code = kb.i32(centroids);
      for (int64_t p = 0; p < warpsPerItem; ++p) {
        Value slot = kb.mul(kb.add(firstWarp, kb.idx(p)), kb.idx(2));
        Value otherDistance = arith::BitcastOp::create(
            kb.b, kb.b.getF32Type(), kb.load(views.hist, slot));
        Value otherCode = kb.load(views.hist, kb.add(slot, kb.idx(1)));
        std::tie(distance, code) =
            closer(kb, distance, code, otherDistance, otherCode);
      }
      Value j = kb.add(first, kb.divu(mine, kb.idx(subspaces)));
      Value s = kb.remu(mine, kb.idx(subspaces));
      Value stored =
          info.codeType.isInteger(8)
              ? Value(arith::TruncIOp::create(kb.b, info.codeType, code))
              : Value(arith::ExtUIOp::create(kb.b, info.codeType, code));
      Value at = kb.add(firstCodeIndex(kb, info, args, batch, kvHead, j), s);
      kb.store(stored, args.codes, at);
    });
    kb.barrier();
  });
}
