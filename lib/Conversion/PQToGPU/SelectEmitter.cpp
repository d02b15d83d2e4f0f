//===- SelectEmitter.cpp - Heavy selection and outputs (steps 5, 6) -------===//
//
// MSD radix select, 8 bits a pass, finds the k-th largest key T and how many
// keys equal to T to keep. One pass in index order then keeps every key above
// T and the first keys equal to T: lowest index wins ties, heavy positions
// come out ascending, and the CTA writes its whole weight row exactly once.
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

namespace {
/// Values of one row every thread agrees on.
struct RowGeometry {
  Value seqLen, indexed, windowStart;
  Value sinkCount, windowCount, total;
  Value listBase, weightBase;
};
} // namespace

static RowGeometry rowGeometry(KernelBuilder &kb, const StepInfo &info,
                               const KernelArgs &args, Value row,
                               int64_t heavy) {
  RowGeometry g;
  g.seqLen = args.seqLen;
  g.indexed = kb.sub(g.seqLen, kb.idx(info.shape.initOffset));
  g.sinkCount = kb.minu(kb.idx(info.sink), g.seqLen);
  g.windowCount = kb.minu(kb.idx(info.window), g.seqLen);
  g.windowStart = kb.sub(g.seqLen, g.windowCount);
  g.total = kb.add(kb.add(g.sinkCount, kb.idx(heavy)), g.windowCount);
  g.listBase = kb.mul(row, g.total);
  g.weightBase = kb.mul(row, g.seqLen);
  return g;
}

static Value weightValue(KernelBuilder &kb, const StepInfo &info, Value on) {
  return kb.select(on, kb.constant(info.weightType, 1.0),
                   kb.constant(info.weightType, 0.0));
}

static Value listValue(KernelBuilder &kb, const StepInfo &info,
                       Value position) {
  return arith::IndexCastOp::create(kb.b, info.indexType, position);
}

void mlir::pq::emitFullAttentionRow(KernelBuilder &kb, const StepInfo &info,
                                    const KernelArgs &args, Value row) {
  Value seqLen = args.seqLen;
  Value base = kb.mul(row, seqLen);
  kb.forEachThread(seqLen, [&](Value p) {
    kb.store(listValue(kb, info, p), args.sparseList, kb.add(base, p));
    kb.store(kb.constant(info.weightType, 1.0), args.weightList,
             kb.add(base, p));
  });
  kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.threadId(), kb.idx(0)), [&] {
    kb.store(arith::IndexCastOp::create(kb.b, kb.b.getI64Type(), seqLen),
             args.sparseLen, row);
  });
}

/// What one radix pass tells every thread.
struct RadixDigit {
  Value digit; // of the bin holding the `remaining`-th largest key
  Value above; // keys in the bins above it
  Value count; // keys in its bin
};

/// One radix pass: histogram of digit `shift` among keys matching `prefix`
/// on the digits above, then warp 0 finds the digit holding the
/// `remaining`-th largest key.
static RadixDigit
radixPass(KernelBuilder &kb, const SharedViews &views, Value keys, Value base,
          Value indexed, Value prefix, Value remaining, int64_t shift) {
  kb.forEachThread(kb.idx(kRadixBins),
                   [&](Value i) { kb.store(kb.i32(0), views.hist, i); });
  kb.barrier();
  int64_t highMask = shift + kRadixBits >= 32
                         ? 0
                         : static_cast<int64_t>(
                               (0xFFFFFFFFull << (shift + kRadixBits)) &
                               0xFFFFFFFFull);
  // Lanes holding the same digit add once (warp-aggregated atomics): scores
  // cluster in a few bins, and same-address shared atomics serialise. The
  // loop is warp-uniform so every lane reaches the match.
  Value lane = kb.toI32(kb.laneId());
  Value lowerLanes = kb.sub(kb.shl(kb.i32(1), lane), kb.i32(1));
  // Several keys per thread per iteration keep loads in flight: a pass over
  // keys in L2 is otherwise bound by one load's latency per iteration.
  constexpr int64_t kItems = 8;
  kb.forLoop(kb.idx(0), indexed, kb.idx(kb.threads * kItems), [&](Value tile) {
    SmallVector<Value> valids, keysLoaded;
    for (int64_t i = 0; i < kItems; ++i) {
      Value j = kb.add(tile, kb.add(kb.threadId(), kb.idx(i * kb.threads)));
      Value valid = kb.cmp(CmpIPredicate::ult, j, indexed);
      valids.push_back(valid);
      keysLoaded.push_back(
          kb.load(keys, kb.add(base, kb.select(valid, j, kb.idx(0)))));
    }
    for (int64_t i = 0; i < kItems; ++i) {
      Value key = keysLoaded[i];
      Value matches = kb.andI1(
          valids[i], kb.cmp(CmpIPredicate::eq,
                            kb.bitAnd(key, kb.i32(highMask)), prefix));
      Value digit =
          kb.bitAnd(kb.shru(key, kb.i32(shift)), kb.i32(kRadixBins - 1));
      // After the first pass few keys match the prefix: a warp with none
      // skips the match (the vote is warp-uniform, so all lanes match or
      // none do).
      kb.ifThen(kb.anyLane(matches), [&] {
        Value bin = kb.select(matches, digit, kb.i32(kRadixBins));
        Value peers = kb.matchAny(bin);
        Value leader = kb.cmp(CmpIPredicate::eq,
                              kb.bitAnd(peers, lowerLanes), kb.i32(0));
        kb.ifThen(kb.andI1(matches, leader), [&] {
          kb.atomicAdd(kb.popCount(peers), views.hist, digit);
        });
      });
    }
  });
  kb.barrier();

  // Warp 0: lane l owns the 8 bins 255 - 8l - i, i = 0..7 (descending).
  constexpr int64_t binsPerLane = kRadixBins / 32;
  kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.warpId(), kb.idx(0)), [&] {
    Value top = kb.sub(kb.idx(kRadixBins - 1),
                       kb.mul(kb.laneId(), kb.idx(binsPerLane)));
    SmallVector<Value> counts;
    Value laneSum = kb.i32(0);
    for (int64_t i = 0; i < binsPerLane; ++i) {
      counts.push_back(kb.load(views.hist, kb.sub(top, kb.idx(i))));
      laneSum = kb.add(laneSum, counts.back());
    }
    Value inclusive = kb.warpInclusiveSum(laneSum);
    Value before = kb.sub(inclusive, laneSum);
    Value crosses = kb.andI1(kb.cmp(CmpIPredicate::ult, before, remaining),
                             kb.cmp(CmpIPredicate::ule, remaining, inclusive));
    kb.ifThen(crosses, [&] {
      Value above = before;
      Value digit = kb.i32(0);
      Value binCount = kb.i32(0);
      Value found = kb.boolean(false);
      Value seen = before;
      for (int64_t i = 0; i < binsPerLane; ++i) {
        Value next = kb.add(seen, counts[i]);
        Value hit = kb.andI1(kb.cmp(CmpIPredicate::uge, next, remaining),
                             kb.notI1(found));
        Value bin = kb.toI32(kb.sub(top, kb.idx(i)));
        digit = kb.select(hit, bin, digit);
        above = kb.select(hit, seen, above);
        binCount = kb.select(hit, counts[i], binCount);
        found = kb.orI1(found, hit);
        seen = next;
      }
      kb.store(digit, views.scalars, kb.idx(0));
      kb.store(above, views.scalars, kb.idx(1));
      kb.store(binCount, views.scalars, kb.idx(2));
    });
  });
  kb.barrier();
  return {kb.load(views.scalars, kb.idx(0)), kb.load(views.scalars, kb.idx(1)),
          kb.load(views.scalars, kb.idx(2))};
}

/// The index-ordered pass: keeps every key whose `mask`ed bits are above
/// `threshold` and the first `keepEqual` keys whose masked bits equal it,
/// writing kept positions in ascending order
/// after the sink part of the list and the weight of every indexed position.
/// Each warp owns a contiguous chunk of the row: one sweep counts its kept
/// keys, one exchange through shared memory gives every warp its offsets,
/// and a second sweep writes with warp ballots; no CTA-wide scan per tile.
static void emitKeptList(KernelBuilder &kb, const StepInfo &info,
                         const KernelArgs &args, const SharedViews &views,
                         Value keys, Value base, const RowGeometry &g,
                         Value threshold, Value mask, Value keepEqual,
                         function_ref<Value(Value)> listed) {
  // Keys per lane per step: loads in flight.
  constexpr int64_t kUnroll = 4;
  const int64_t warps = kb.threads / 32;
  const int64_t step = 32 * kUnroll;
  Value offset = kb.idx(info.shape.initOffset);
  Value lane = kb.laneId();
  Value warp = kb.warpId();
  Value lowerLanes =
      kb.sub(kb.shl(kb.i32(1), kb.toI32(lane)), kb.i32(1));
  Value chunk = kb.mul(
      kb.divu(kb.add(kb.divu(kb.add(g.indexed, kb.idx(warps - 1)),
                             kb.idx(warps)),
                     kb.idx(step - 1)),
              kb.idx(step)),
      kb.idx(step));
  Value chunkBegin = kb.minu(kb.mul(warp, chunk), g.indexed);
  Value chunkEnd = kb.minu(kb.add(chunkBegin, chunk), g.indexed);

  struct Keys {
    SmallVector<Value> js, valids, greaters, equals;
  };
  auto loadStep = [&](Value s) {
    Keys k;
    SmallVector<Value> loaded;
    for (int64_t u = 0; u < kUnroll; ++u) {
      Value j = kb.add(s, kb.add(lane, kb.idx(32 * u)));
      Value valid = kb.cmp(CmpIPredicate::ult, j, chunkEnd);
      k.js.push_back(j);
      k.valids.push_back(valid);
      loaded.push_back(
          kb.load(keys, kb.add(base, kb.select(valid, j, kb.idx(0)))));
    }
    for (int64_t u = 0; u < kUnroll; ++u) {
      Value bits = kb.bitAnd(loaded[u], mask);
      k.greaters.push_back(kb.andI1(
          k.valids[u], kb.cmp(CmpIPredicate::ugt, bits, threshold)));
      k.equals.push_back(kb.andI1(
          k.valids[u], kb.cmp(CmpIPredicate::eq, bits, threshold)));
    }
    return k;
  };
  auto asI32 = [&](Value flag) {
    return Value(arith::ExtUIOp::create(kb.b, kb.b.getI32Type(), flag));
  };

  // Sweep 1: keys above and equal to the threshold in this warp's chunk.
  SmallVector<Value> counts = kb.forLoop(
      chunkBegin, chunkEnd, kb.idx(step), ValueRange{kb.i32(0), kb.i32(0)},
      [&](Value s, ValueRange acc) -> SmallVector<Value> {
        Keys k = loadStep(s);
        Value greater = acc[0], equal = acc[1];
        for (int64_t u = 0; u < kUnroll; ++u) {
          greater = kb.add(greater, asI32(k.greaters[u]));
          equal = kb.add(equal, asI32(k.equals[u]));
        }
        return {greater, equal};
      });
  Value greaterTotal = counts[0], equalTotal = counts[1];
  for (int32_t shift = 16; shift >= 1; shift /= 2) {
    greaterTotal = kb.add(greaterTotal, kb.shuffleXor(greaterTotal, shift));
    equalTotal = kb.add(equalTotal, kb.shuffleXor(equalTotal, shift));
  }
  // The radix histogram is free again: [0, warps) above, [warps, 2 warps)
  // equal.
  kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)), [&] {
    kb.store(greaterTotal, views.hist, warp);
    kb.store(equalTotal, views.hist, kb.add(warp, kb.idx(warps)));
  });
  kb.barrier();

  // What the warps before this one keep and how many equal keys they pass.
  Value keptBefore = kb.i32(0), equalBefore = kb.i32(0);
  for (int64_t w = 0; w < warps; ++w) {
    Value earlier = kb.cmp(CmpIPredicate::ult, kb.idx(w), warp);
    Value greater = kb.load(views.hist, kb.idx(w));
    Value equal = kb.load(views.hist, kb.idx(warps + w));
    Value budget = kb.select(
        kb.cmp(CmpIPredicate::ult, equalBefore, keepEqual),
        kb.sub(keepEqual, equalBefore), kb.i32(0));
    Value equalKept = kb.select(kb.cmp(CmpIPredicate::ult, equal, budget),
                                equal, budget);
    keptBefore = kb.select(earlier,
                           kb.add(keptBefore, kb.add(greater, equalKept)),
                           keptBefore);
    equalBefore = kb.select(earlier, kb.add(equalBefore, equal), equalBefore);
  }

  // Sweep 2: ranks within the warp by ballot, in index order.
  Value heavyBase = kb.add(g.listBase, g.sinkCount);
  kb.forLoop(
      chunkBegin, chunkEnd, kb.idx(step),
      ValueRange{keptBefore, equalBefore},
      [&](Value s, ValueRange acc) -> SmallVector<Value> {
        Keys k = loadStep(s);
        Value kept = acc[0], equalSeen = acc[1];
        for (int64_t u = 0; u < kUnroll; ++u) {
          Value equalVotes = kb.ballot(k.equals[u]);
          Value equalRank = kb.add(
              equalSeen, kb.popCount(kb.bitAnd(equalVotes, lowerLanes)));
          Value keep = kb.orI1(
              k.greaters[u],
              kb.andI1(k.equals[u],
                       kb.cmp(CmpIPredicate::ult, equalRank, keepEqual)));
          Value keepVotes = kb.ballot(keep);
          Value slot =
              kb.add(kept, kb.popCount(kb.bitAnd(keepVotes, lowerLanes)));
          Value position = kb.add(k.js[u], offset);
          kb.ifThen(keep, [&] {
            kb.store(listValue(kb, info, position), args.sparseList,
                     kb.add(heavyBase, slot));
          });
          kb.ifThen(k.valids[u], [&] {
            kb.store(weightValue(kb, info, kb.orI1(keep, listed(position))),
                     args.weightList, kb.add(g.weightBase, position));
          });
          kept = kb.add(kept, kb.popCount(keepVotes));
          equalSeen = kb.add(equalSeen, kb.popCount(equalVotes));
        }
        return {kept, equalSeen};
      });
}

void mlir::pq::emitSelectRow(KernelBuilder &kb, const StepInfo &info,
                             const KernelArgs &args, const SharedViews &views,
                             Value keys, Value base, Value row) {
  // Off the full-attention path n > heavy + 1 + C, so k = heavy exactly.
  const int64_t heavy = info.heavy;
  RowGeometry g = rowGeometry(kb, info, args, row, heavy);

  // Threshold key and how many keys equal to it to keep. With k = 0 nothing
  // is above the all-ones key and none of its equals are kept.
  // The passes stop once the threshold's bin holds exactly the keys still
  // to take: all of them are kept, so the lower digits need not be known
  // (and keys compare on the digits found so far, under `mask`).
  Value threshold = kb.i32(-1);
  Value mask = kb.i32(-1);
  Value keepEqual = kb.i32(0);
  if (heavy > 0) {
    // prefix, remaining, mask, done
    SmallVector<Value> state = {kb.i32(0), kb.i32(heavy), kb.i32(0),
                                kb.boolean(false)};
    for (int64_t shift = 32 - kRadixBits; shift >= 0; shift -= kRadixBits) {
      auto pass = [&]() -> SmallVector<Value> {
        RadixDigit r = radixPass(kb, views, keys, base, g.indexed, state[0],
                                 state[1], shift);
        Value remaining = kb.sub(state[1], r.above);
        return {kb.bitOr(state[0], kb.shl(r.digit, kb.i32(shift))),
                remaining,
                kb.bitOr(state[2], kb.i32((int64_t(kRadixBins - 1) << shift) &
                                          0xFFFFFFFF)),
                kb.cmp(CmpIPredicate::eq, r.count, remaining)};
      };
      if (shift == 32 - kRadixBits) {
        state = pass();
        continue;
      }
      // `done` is CTA-uniform (read from shared memory after a barrier).
      SmallVector<Value> before = state;
      state = kb.ifThenElse(
          before[3], ValueRange(before).getTypes(),
          [&]() -> SmallVector<Value> { return before; }, pass);
    }
    threshold = state[0];
    keepEqual = state[1];
    mask = state[2];
  }

  // Sink and window parts of the list, and the length.
  kb.forEachThread(g.sinkCount, [&](Value i) {
    kb.store(listValue(kb, info, i), args.sparseList, kb.add(g.listBase, i));
  });
  Value windowOffset = kb.add(g.listBase, kb.add(g.sinkCount, kb.idx(heavy)));
  kb.forEachThread(g.windowCount, [&](Value i) {
    kb.store(listValue(kb, info, kb.add(g.windowStart, i)), args.sparseList,
             kb.add(windowOffset, i));
  });
  kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.threadId(), kb.idx(0)), [&] {
    kb.store(arith::IndexCastOp::create(kb.b, kb.b.getI64Type(), g.total),
             args.sparseLen, row);
  });

  // Weights of the positions before the index: sink or window only.
  Value offset = kb.idx(info.shape.initOffset);
  auto listed = [&](Value p) {
    return kb.orI1(kb.cmp(CmpIPredicate::ult, p, g.sinkCount),
                   kb.cmp(CmpIPredicate::uge, p, g.windowStart));
  };
  kb.forEachThread(kb.minu(offset, g.seqLen), [&](Value p) {
    kb.store(weightValue(kb, info, listed(p)), args.weightList,
             kb.add(g.weightBase, p));
  });

  emitKeptList(kb, info, args, views, keys, base, g, threshold, mask,
               keepEqual, listed);
}
