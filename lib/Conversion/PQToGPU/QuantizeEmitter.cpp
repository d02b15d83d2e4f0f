//===- QuantizeEmitter.cpp - Codes of new keys (SEMANTICS step 2) ---------===//
//
// Rounds of kQuantizeKeys new keys: the keys are staged in shared memory as
// f32, a thread per (subspace, centroid) reads its centroid row from the
// staged tile and measures it against every staged key, and butterflies over
// lanes keep the smallest distance, the lowest c among equals; one thread per
// (key, subspace) combines the warps' partial argmins. The first round of a
// step runs inside the centroid pass (CentroidPass.cpp), on the tiles the
// table is built from; this file has the pieces and the later rounds.
// Distances sum in dimension order without fusion, like the CPU reference,
// so both pick the same code.
//
//===----------------------------------------------------------------------===//

#include "CentroidTiles.h"
#include "CodeReader.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include <algorithm>
#include <limits>
#include <tuple>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

Value mlir::pq::nanToInf(KernelBuilder &kb, Value value) {
  Value isNan = kb.cmpf(CmpFPredicate::UNO, value, value);
  return kb.select(isNan, kb.f32(std::numeric_limits<float>::infinity()),
                   value);
}

std::pair<Value, Value> mlir::pq::closer(KernelBuilder &kb, Value distance,
                                         Value code, Value otherDistance,
                                         Value otherCode) {
  Value nearer = kb.cmpf(CmpFPredicate::OLT, otherDistance, distance);
  Value tie = kb.andI1(kb.cmpf(CmpFPredicate::OEQ, otherDistance, distance),
                       kb.cmp(CmpIPredicate::slt, otherCode, code));
  Value take = kb.orI1(nearer, tie);
  return {kb.select(take, otherDistance, distance),
          kb.select(take, otherCode, code)};
}

/// Partial argmins per (key, subspace): one per warp's worth of centroids.
static int64_t partialsPerSubspace(const StepShape &shape) {
  return (shape.centroids + 31) / 32;
}

/// Word of the (distance bits, code) pair of (k, s, p) in the region.
static Value partialAt(KernelBuilder &kb, const StepShape &shape, Value k,
                       Value s, Value p) {
  Value pair = kb.add(
      kb.mul(kb.add(kb.mul(k, kb.idx(shape.subspaces)), s),
             kb.idx(partialsPerSubspace(shape))),
      p);
  return kb.add(kb.idx(quantizeScratch(shape).partials),
                kb.mul(pair, kb.idx(2)));
}

static Value augmentedAt(KernelBuilder &kb, const StepShape &shape, Value k,
                         Value s) {
  return kb.add(kb.idx(quantizeScratch(shape).augmented),
                kb.add(kb.mul(k, kb.idx(shape.subspaces)), s));
}

void PartialsSink::store(KernelBuilder &kb, Value value, Value index) const {
  if (peer) {
    kb.storePeer(value, peer, index);
  } else {
    kb.store(value, local, index);
  }
}

void mlir::pq::stageFreshKeys(KernelBuilder &kb, const StepInfo &info,
                              const KernelArgs &args, const SharedViews &views,
                              Value batchKv, Value first, Value round,
                              Value count, int64_t keys) {
  const StepShape &shape = info.shape;
  Value keyBase = kb.mul(kb.add(kb.mul(batchKv, args.keyCapacity),
                                kb.idx(shape.initOffset)),
                         kb.idx(shape.headDim));
  kb.forEachThread(kb.idx(keys * shape.headDim), [&](Value i) {
    Value k = kb.divu(i, kb.idx(shape.headDim));
    Value valid = kb.cmp(CmpIPredicate::ult, kb.add(round, k), count);
    Value x = kb.ifThenElse(
        valid, TypeRange{kb.b.getF32Type()},
        [&]() -> SmallVector<Value> {
          Value j = kb.add(first, kb.add(round, k));
          Value at = kb.add(keyBase,
                            kb.add(kb.mul(j, kb.idx(shape.headDim)),
                                   kb.remu(i, kb.idx(shape.headDim))));
          return {kb.toF32(kb.load(args.key, at))};
        },
        [&]() -> SmallVector<Value> { return {kb.f32(0.0f)}; })[0];
    kb.store(x, views.quantize, i);
  });
  if (info.metric != Metric::ip) {
    return;
  }
  // ip -> l2: the augmented coordinate sqrt(max(phi - ||x_s||^2, 0)).
  kb.barrier();
  const int64_t subDim = shape.subDim();
  kb.forEachThread(kb.idx(keys * shape.subspaces), [&](Value i) {
    Value k = kb.divu(i, kb.idx(shape.subspaces));
    Value s = kb.remu(i, kb.idx(shape.subspaces));
    Value x0 = kb.add(kb.mul(k, kb.idx(shape.headDim)),
                      kb.mul(s, kb.idx(subDim)));
    Value norm = kb.forLoop(
        kb.idx(0), kb.idx(subDim), kb.idx(1), ValueRange{kb.f32(0.0f)},
        [&](Value t, ValueRange acc) -> SmallVector<Value> {
          Value x = kb.load(views.quantize, kb.add(x0, t));
          return {kb.addf(acc[0], kb.mulf(x, x))};
        })[0];
    Value phi =
        kb.load(args.phi, kb.add(kb.mul(batchKv, kb.idx(shape.subspaces)), s));
    Value gap = kb.subf(phi, norm);
    Value positive = kb.cmpf(CmpFPredicate::OGT, gap, kb.f32(0.0f));
    kb.store(kb.sqrtRn(kb.select(positive, gap, kb.f32(0.0f))),
             views.quantize, augmentedAt(kb, shape, k, s));
  });
}

void mlir::pq::emitRowArgmins(KernelBuilder &kb, const StepInfo &info,
                              const SharedViews &views, Value row, Value valid,
                              Value slot, int64_t keys,
                              const PartialsSink &sink) {
  // Registers for a whole row when there is one key; chunks otherwise.
  constexpr int64_t kElementLoads = 16;
  constexpr int64_t kLoneKeyLoads = 64;
  const StepShape &shape = info.shape;
  const int64_t centroids = shape.centroids;
  const int64_t subDim = shape.subDim();
  // A warp holds 32 consecutive centroids of one subspace, or whole
  // subspaces when C < 32: argmins reduce over segments of `segment` lanes.
  const int64_t segment = std::min<int64_t>(centroids, 32);
  Value s = kb.divu(row, kb.idx(centroids));
  Value c = kb.remu(row, kb.idx(centroids));
  Value x0 = kb.mul(s, kb.idx(subDim));
  SmallVector<Value> zeros(keys, kb.f32(0.0f));
  SmallVector<Value> distances = foldTileRow(
      kb, views, shape, slot, subDim, keys == 1 ? kLoneKeyLoads : kElementLoads,
      zeros, [&](Value t, Value y, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> next(acc.begin(), acc.end());
        for (int64_t k = 0; k < keys; ++k) {
          Value x = kb.load(views.quantize, kb.add(kb.add(x0, t),
                                                   kb.idx(k * shape.headDim)));
          Value diff = kb.subf(x, y);
          next[k] = kb.addf(next[k], kb.mulf(diff, diff));
        }
        return next;
      });
  Value yAugmented;
  if (info.metric == Metric::ip) {
    Value tileBase = kb.mul(slot, kb.idx(centroidPitch(shape)));
    yAugmented =
        kb.load(views.centroidTile, kb.add(tileBase, kb.idx(subDim)));
  }
  Value inf = kb.f32(std::numeric_limits<float>::infinity());
  Value code = kb.toI32(c);
  for (int64_t k = 0; k < keys; ++k) {
    Value distance = distances[k];
    if (yAugmented) {
      Value diff = kb.subf(
          kb.load(views.quantize, augmentedAt(kb, shape, kb.idx(k), s)),
          yAugmented);
      distance = kb.addf(distance, kb.mulf(diff, diff));
    }
    distance = kb.select(valid, nanToInf(kb, distance), inf);
    Value best = code;
    for (int32_t offset = segment / 2; offset >= 1; offset /= 2) {
      std::tie(distance, best) =
          closer(kb, distance, best, kb.shuffleXor(distance, offset),
                 kb.shuffleXor(best, offset));
    }
    Value leads = kb.andI1(
        valid, kb.cmp(CmpIPredicate::eq,
                      kb.remu(kb.laneId(), kb.idx(segment)), kb.idx(0)));
    kb.ifThen(leads, [&] {
      Value at = partialAt(kb, shape, kb.idx(k), s, kb.divu(c, kb.idx(32)));
      sink.store(kb,
                 arith::BitcastOp::create(kb.b, kb.b.getI32Type(), distance)
                     .getResult(),
                 at);
      sink.store(kb, best, kb.add(at, kb.idx(1)));
    });
  }
}

void mlir::pq::emitCombineCodes(KernelBuilder &kb, const StepInfo &info,
                                const KernelArgs &args,
                                const SharedViews &views, Value batch,
                                Value kvHead, Value first, Value round,
                                Value count, int64_t keys) {
  const StepShape &shape = info.shape;
  const int64_t partials = partialsPerSubspace(shape);
  kb.forEachThread(kb.idx(keys * shape.subspaces), [&](Value i) {
    Value k = kb.divu(i, kb.idx(shape.subspaces));
    Value s = kb.remu(i, kb.idx(shape.subspaces));
    kb.ifThen(kb.cmp(CmpIPredicate::ult, kb.add(round, k), count), [&] {
      Value distance, code;
      for (int64_t p = 0; p < partials; ++p) {
        Value at = partialAt(kb, shape, k, s, kb.idx(p));
        Value other = arith::BitcastOp::create(
            kb.b, kb.b.getF32Type(), kb.load(views.quantizeBits, at));
        Value otherCode = kb.load(views.quantizeBits, kb.add(at, kb.idx(1)));
        if (p == 0) {
          distance = other;
          code = otherCode;
        } else {
          std::tie(distance, code) =
              closer(kb, distance, code, other, otherCode);
        }
      }
      Value stored =
          info.codeType.isInteger(8)
              ? Value(arith::TruncIOp::create(kb.b, info.codeType, code))
              : Value(arith::ExtUIOp::create(kb.b, info.codeType, code));
      Value j = kb.add(first, kb.add(round, k));
      Value at = kb.add(firstCodeIndex(kb, info, args, batch, kvHead, j), s);
      kb.store(stored, args.codes, at);
    });
  });
}

FreshKeys mlir::pq::freshKeys(KernelBuilder &kb, const KernelArgs &args,
                              Value begin, Value end) {
  Value first = kb.maxs(begin, args.numCached);
  return {first, kb.maxs(kb.sub(end, first), kb.idx(0))};
}

FreshKeys mlir::pq::fusedRound(KernelBuilder &kb, const FreshKeys &fresh) {
  return {fresh.first, kb.minu(fresh.count, kb.idx(kQuantizeKeys))};
}

FreshKeys mlir::pq::afterFusedRound(KernelBuilder &kb,
                                    const FreshKeys &fresh) {
  Value fused = kb.minu(fresh.count, kb.idx(kQuantizeKeys));
  return {kb.add(fresh.first, fused), kb.sub(fresh.count, fused)};
}

void mlir::pq::emitQuantize(KernelBuilder &kb, const StepInfo &info,
                            const KernelArgs &args, const SharedViews &views,
                            Value batch, Value kvHead,
                            const FreshKeys &fresh) {
  const StepShape &shape = info.shape;
  Value batchKv = kb.add(kb.mul(batch, kb.idx(shape.kvHeads)), kvHead);
  PartialsSink sink{views.quantizeBits, {}};
  auto emitRound = [&](Value round, int64_t keys) {
    stageFreshKeys(kb, info, args, views, batchKv, fresh.first, round,
                   fresh.count, keys);
    // forCentroidTiles' first copy ends with the barrier the keys need.
    forCentroidTiles(kb, info, args, views, batchKv, kb.idx(0),
                     kb.idx(shape.subspaces * shape.centroids),
                     [&](Value row, Value valid, Value slot) {
      emitRowArgmins(kb, info, views, row, valid, slot, keys, sink);
    });
    emitCombineCodes(kb, info, args, views, batch, kvHead, fresh.first, round,
                     fresh.count, keys);
    // The next round restages the keys.
    kb.barrier();
  };
  // CTA-uniform: a lone key takes a one-key round, more keys go
  // kQuantizeKeys at a time.
  kb.ifThenElse(
      kb.cmp(CmpIPredicate::eq, fresh.count, kb.idx(1)), TypeRange{},
      [&]() -> SmallVector<Value> {
        emitRound(kb.idx(0), 1);
        return {};
      },
      [&]() -> SmallVector<Value> {
        kb.forLoop(kb.idx(0), fresh.count, kb.idx(kQuantizeKeys),
                   [&](Value round) { emitRound(round, kQuantizeKeys); });
        return {};
      });
}
