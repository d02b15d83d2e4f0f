//===- QuantizeEmitter.cpp - Codes of new keys (SEMANTICS step 2) ---------===//
//
// One warp per (key, subspace): lanes take centroids c = lane, lane + 32, ...
// and a butterfly keeps the smallest distance, the lowest c among equals.
// Distances sum in dimension order without fusion, like the CPU reference,
// so both pick the same code.
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include <limits>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

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
  Value norm = kb.forLoop(kb.idx(0), kb.idx(info.shape.subDim()), kb.idx(1),
                          ValueRange{kb.f32(0.0f)},
                          [&](Value t, ValueRange acc) -> SmallVector<Value> {
                            Value x = kb.toF32(
                                kb.load(args.key, kb.add(keyBase, t)));
                            return {kb.addf(acc[0], kb.mulf(x, x))};
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

void mlir::pq::emitQuantize(KernelBuilder &kb, const StepInfo &info,
                            const KernelArgs &args, Value batch, Value kvHead,
                            Value begin, Value end) {
  const StepShape &shape = info.shape;
  const int64_t subspaces = shape.subspaces;
  const int64_t centroids = shape.centroids;
  const int64_t width = info.centroidDim();
  const bool ip = info.metric == Metric::ip;

  Value first = kb.maxs(begin, args.numCached);
  Value count = kb.maxs(kb.sub(end, first), kb.idx(0));
  Value items = kb.mul(count, kb.idx(subspaces));
  Value lane = kb.laneId();
  Value batchKv = kb.add(kb.mul(batch, kb.idx(shape.kvHeads)), kvHead);

  kb.forLoop(kb.warpId(), items, kb.idx(kb.threads / 32), [&](Value item) {
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

    // Lane-local best over c = lane, lane + 32, ...
    Value inf = kb.f32(std::numeric_limits<float>::infinity());
    SmallVector<Value> best = kb.forLoop(
        lane, kb.idx(centroids), kb.idx(32),
        ValueRange{inf, kb.toI32(lane)},
        [&](Value c, ValueRange acc) -> SmallVector<Value> {
          Value rowBase = kb.add(centroidBase, kb.mul(c, kb.idx(width)));
          Value distance =
              kb.forLoop(kb.idx(0), kb.idx(shape.subDim()), kb.idx(1),
                         ValueRange{kb.f32(0.0f)},
                         [&](Value t, ValueRange sum) -> SmallVector<Value> {
                           Value x = kb.toF32(
                               kb.load(args.key, kb.add(keyBase, t)));
                           Value y = kb.toF32(kb.load(args.centroids,
                                                      kb.add(rowBase, t)));
                           Value diff = kb.subf(x, y);
                           return {kb.addf(sum[0], kb.mulf(diff, diff))};
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

    // Butterfly: smaller distance wins, then the lower centroid.
    Value bestDistance = best[0];
    Value bestCode = best[1];
    for (int32_t offset = 16; offset >= 1; offset /= 2) {
      Value otherDistance = kb.shuffleXor(bestDistance, offset);
      Value otherCode = kb.shuffleXor(bestCode, offset);
      Value closer = kb.cmpf(CmpFPredicate::OLT, otherDistance, bestDistance);
      Value tie = kb.andI1(
          kb.cmpf(CmpFPredicate::OEQ, otherDistance, bestDistance),
          kb.cmp(CmpIPredicate::slt, otherCode, bestCode));
      Value take = kb.orI1(closer, tie);
      bestDistance = kb.select(take, otherDistance, bestDistance);
      bestCode = kb.select(take, otherCode, bestCode);
    }

    kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)), [&] {
      Value index;
      if (info.layout == Layout::compact) {
        index = kb.add(kb.mul(kb.add(kb.mul(batchKv, args.codeCapacity), j),
                              kb.idx(subspaces)),
                       s);
      } else {
        Value rowIndex = kb.add(kb.mul(batch, args.codeCapacity), j);
        index = kb.add(
            kb.mul(kb.add(kb.mul(rowIndex, kb.idx(shape.kvHeads)), kvHead),
                   kb.idx(subspaces)),
            s);
      }
      Value code =
          info.codeType.isInteger(8)
              ? Value(arith::TruncIOp::create(kb.b, info.codeType, bestCode))
              : Value(arith::ExtUIOp::create(kb.b, info.codeType, bestCode));
      kb.store(code, args.codes, index);
    });
  });
}
