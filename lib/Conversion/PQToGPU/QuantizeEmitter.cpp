//===- QuantizeEmitter.cpp - Codes of new keys (SEMANTICS step 2) ---------===//
//
// Rounds of kQuantizeKeys new keys: the keys are staged in shared memory as
// f32, a thread per (subspace, centroid) loads its centroid row once and
// measures it against every staged key, and butterflies over lanes keep the
// smallest distance, the lowest c among equals; one thread per (key,
// subspace) combines the warps' partial argmins. A single new key thus costs
// one round of loads, not a walk over C / 32 centroids per lane. Distances
// sum in dimension order without fusion, like the CPU reference, so both pick
// the same code.
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

/// Centroid elements a thread loads before using them: a round of one key
/// has the registers to load a whole row (up to 64) at once.
constexpr int64_t kElementLoads = 16;
constexpr int64_t kLoneKeyLoads = 64;

/// NaN never beats a real distance.
static Value nanToInf(KernelBuilder &kb, Value value) {
  Value isNan = kb.cmpf(CmpFPredicate::UNO, value, value);
  return kb.select(isNan, kb.f32(std::numeric_limits<float>::infinity()),
                   value);
}

/// sqrt(x) correctly rounded. The NVVM intrinsic is sqrt.rn.f32, like the
/// reference's sqrtf, and needs no libdevice (math.sqrt would become
/// __nv_sqrtf: the CUDA toolkit at compile time, approximate rounding).
static Value sqrtRn(KernelBuilder &kb, Value x) {
  return LLVM::CallIntrinsicOp::create(
             kb.b, kb.b.getF32Type(),
             kb.b.getStringAttr("llvm.nvvm.sqrt.rn.f"), ValueRange{x})
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
  const int64_t subDim = shape.subDim();
  const int64_t width = info.centroidDim();
  const bool ip = info.metric == Metric::ip;
  const int64_t items = subspaces * centroids;
  // A warp holds 32 consecutive centroids of one subspace, or whole
  // subspaces when C < 32: argmins reduce over segments of `segment` lanes.
  const int64_t segment = std::min<int64_t>(centroids, 32);
  const int64_t partials = (centroids + 31) / 32;
  QuantizeScratch scratch = quantizeScratch(shape);
  // f32 [K][d] keys, [K][S] augmented coordinates, then (as i32)
  // [K][S][partials] (distance bits, code) pairs.
  Value staged = views.quantize;

  Value first = kb.maxs(begin, args.numCached);
  Value count = kb.maxs(kb.sub(end, first), kb.idx(0));
  Value batchKv = kb.add(kb.mul(batch, kb.idx(shape.kvHeads)), kvHead);
  Value keyBase = kb.mul(kb.add(kb.mul(batchKv, args.keyCapacity),
                                kb.idx(shape.initOffset)),
                         kb.idx(shape.headDim));
  Value centroidBase = kb.mul(batchKv, kb.idx(items * width));
  Value inf = kb.f32(std::numeric_limits<float>::infinity());
  auto augmentedAt = [&](Value k, Value s) {
    return kb.add(kb.idx(scratch.augmented),
                  kb.add(kb.mul(k, kb.idx(subspaces)), s));
  };
  auto partialAt = [&](Value k, Value s, Value p) {
    Value pair = kb.add(kb.mul(kb.add(kb.mul(k, kb.idx(subspaces)), s),
                               kb.idx(partials)),
                        p);
    return kb.add(kb.idx(scratch.partials), kb.mul(pair, kb.idx(2)));
  };

  // A round of `keys` keys (a compile-time count; missing keys are zeros).
  auto emitRound = [&](Value round, const int64_t keys) {
    // Stage the round's keys as f32 (zeros past the last key).
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
      kb.store(x, staged, i);
    });
    kb.barrier();
    if (ip) {
      // ip -> l2: the augmented coordinate sqrt(max(phi - ||x_s||^2, 0)).
      kb.forEachThread(kb.idx(keys * subspaces), [&](Value i) {
        Value k = kb.divu(i, kb.idx(subspaces));
        Value s = kb.remu(i, kb.idx(subspaces));
        Value x0 = kb.add(kb.mul(k, kb.idx(shape.headDim)),
                          kb.mul(s, kb.idx(subDim)));
        Value norm = kb.forLoop(
            kb.idx(0), kb.idx(subDim), kb.idx(1), ValueRange{kb.f32(0.0f)},
            [&](Value t, ValueRange acc) -> SmallVector<Value> {
              Value x = kb.load(staged, kb.add(x0, t));
              return {kb.addf(acc[0], kb.mulf(x, x))};
            })[0];
        Value phi = kb.load(
            args.phi, kb.add(kb.mul(batchKv, kb.idx(subspaces)), s));
        Value gap = kb.subf(phi, norm);
        Value positive = kb.cmpf(CmpFPredicate::OGT, gap, kb.f32(0.0f));
        kb.store(sqrtRn(kb, kb.select(positive, gap, kb.f32(0.0f))), staged,
                 augmentedAt(k, s));
      });
      kb.barrier();
    }
    // A thread per (s, c): its centroid row against every staged key, in
    // dimension order like the reference; then argmins over segments.
    // The loop is warp-uniform (shuffles inside): items round up to 32.
    const int64_t padded = (items + 31) / 32 * 32;
    kb.forLoop(kb.threadId(), kb.idx(padded), kb.idx(kb.threads),
               [&](Value item) {
      Value valid = kb.cmp(CmpIPredicate::ult, item, kb.idx(items));
      Value safe = kb.select(valid, item, kb.idx(0));
      Value s = kb.divu(safe, kb.idx(centroids));
      Value c = kb.remu(safe, kb.idx(centroids));
      Value rowBase = kb.add(centroidBase, kb.mul(safe, kb.idx(width)));
      Value x0 = kb.mul(s, kb.idx(subDim));
      SmallVector<Value> zeros(keys, kb.f32(0.0f));
      SmallVector<Value> distances = kb.forChunks(
          subDim, keys == 1 ? kLoneKeyLoads : kElementLoads, zeros,
          [&](Value t0, int64_t chunk, ValueRange acc) -> SmallVector<Value> {
            SmallVector<Value> ys;
            for (int64_t u = 0; u < chunk; ++u) {
              ys.push_back(kb.toF32(kb.load(
                  args.centroids, kb.add(rowBase, kb.add(t0, kb.idx(u))))));
            }
            SmallVector<Value> next(acc.begin(), acc.end());
            for (int64_t u = 0; u < chunk; ++u) {
              for (int64_t k = 0; k < keys; ++k) {
                Value x = kb.load(
                    staged, kb.add(kb.add(x0, kb.add(t0, kb.idx(u))),
                                   kb.idx(k * shape.headDim)));
                Value diff = kb.subf(x, ys[u]);
                next[k] = kb.addf(next[k], kb.mulf(diff, diff));
              }
            }
            return next;
          });
      Value yAugmented;
      if (ip) {
        yAugmented = kb.toF32(
            kb.load(args.centroids, kb.add(rowBase, kb.idx(subDim))));
      }
      Value code = kb.toI32(c);
      for (int64_t k = 0; k < keys; ++k) {
        Value distance = distances[k];
        if (ip) {
          Value diff = kb.subf(kb.load(staged, augmentedAt(kb.idx(k), s)),
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
          Value at = partialAt(kb.idx(k), s, kb.divu(c, kb.idx(32)));
          kb.store(arith::BitcastOp::create(kb.b, kb.b.getI32Type(), distance)
                       .getResult(),
                   views.quantizeBits, at);
          kb.store(best, views.quantizeBits, kb.add(at, kb.idx(1)));
        });
      }
    });
    kb.barrier();
    // One thread per (key, s): the partials in centroid order.
    kb.forEachThread(kb.idx(keys * subspaces), [&](Value i) {
      Value k = kb.divu(i, kb.idx(subspaces));
      Value s = kb.remu(i, kb.idx(subspaces));
      kb.ifThen(kb.cmp(CmpIPredicate::ult, kb.add(round, k), count), [&] {
        Value distance = inf, code = kb.i32(0);
        for (int64_t p = 0; p < partials; ++p) {
          Value at = partialAt(k, s, kb.idx(p));
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
    // The next round restages the keys.
    kb.barrier();
  };
  // CTA-uniform: a decode step's one new key takes a one-key round, more
  // keys go kQuantizeKeys at a time.
  kb.ifThenElse(
      kb.cmp(CmpIPredicate::eq, count, kb.idx(1)), TypeRange{},
      [&]() -> SmallVector<Value> {
        emitRound(kb.idx(0), 1);
        return {};
      },
      [&]() -> SmallVector<Value> {
        kb.forLoop(kb.idx(0), count, kb.idx(kQuantizeKeys),
                   [&](Value round) { emitRound(round, kQuantizeKeys); });
        return {};
      });
}
