//===- SelectEmitter.cpp - Heavy selection and outputs (steps 5, 6) -------===//
//
// MSD radix select, 8 bits a pass, finds the k-th largest key T and how many
// keys equal to T to keep. One pass in index order then keeps every key above
// T and the first keys equal to T: lowest index wins ties, heavy positions
// come out ascending, and the CTA writes its whole weight row exactly once.
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <tuple>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

RowGeometry mlir::pq::rowGeometry(KernelBuilder &kb, const StepInfo &info,
                                  const KernelArgs &args, Value row) {
  // Off the full-attention path n > heavy + 1 + C, so k = heavy exactly.
  const int64_t heavy = info.heavy;
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


Crossing mlir::pq::emitWarpCrossing(KernelBuilder &kb, int64_t bins,
                                    function_ref<Value(Value)> countOf,
                                    Value remaining) {
  // Lane l owns the bins top - l * perLane - i, i = 0 .. perLane - 1
  // (descending); bins past `bins` count nothing.
  const int64_t perLane = (bins + 31) / 32;
  const int64_t top = 32 * perLane - 1;
  Value first = kb.sub(kb.idx(top), kb.mul(kb.laneId(), kb.idx(perLane)));
  SmallVector<Value> counts;
  Value laneSum = kb.i32(0);
  for (int64_t i = 0; i < perLane; ++i) {
    Value bin = kb.sub(first, kb.idx(i));
    Value count;
    if (32 * perLane == bins) {
      count = countOf(bin);
    } else {
      count = kb.ifThenElse(
          kb.cmp(CmpIPredicate::ult, bin, kb.idx(bins)),
          TypeRange{kb.b.getI32Type()},
          [&]() -> SmallVector<Value> { return {countOf(bin)}; },
          [&]() -> SmallVector<Value> { return {kb.i32(0)}; })[0];
    }
    counts.push_back(count);
    laneSum = kb.add(laneSum, count);
  }
  Value inclusive = kb.warpInclusiveSum(laneSum);
  Value before = kb.sub(inclusive, laneSum);
  Crossing result;
  result.crosses =
      kb.andI1(kb.cmp(CmpIPredicate::ult, before, remaining),
               kb.cmp(CmpIPredicate::ule, remaining, inclusive));
  result.bin = kb.i32(0);
  result.above = before;
  result.count = kb.i32(0);
  result.total = kb.shuffleIdx(inclusive, 31);
  Value found = kb.boolean(false);
  Value seen = before;
  for (int64_t i = 0; i < perLane; ++i) {
    Value next = kb.add(seen, counts[i]);
    Value hit = kb.andI1(kb.cmp(CmpIPredicate::uge, next, remaining),
                         kb.notI1(found));
    result.bin = kb.select(hit, kb.toI32(kb.sub(first, kb.idx(i))), result.bin);
    result.above = kb.select(hit, seen, result.above);
    result.count = kb.select(hit, counts[i], result.count);
    found = kb.orI1(found, hit);
    seen = next;
  }
  return result;
}

/// One radix pass: histogram of digit `shift` among keys matching `prefix`
/// on the digits above, then warp 0 finds the digit holding the
/// `remaining`-th largest key.
static Crossing
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

  kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.warpId(), kb.idx(0)), [&] {
    Crossing found = emitWarpCrossing(
        kb, kRadixBins, [&](Value bin) { return kb.load(views.hist, bin); },
        remaining);
    kb.ifThen(found.crosses, [&] {
      kb.store(found.bin, views.scalars, kb.idx(0));
      kb.store(found.above, views.scalars, kb.idx(1));
      kb.store(found.count, views.scalars, kb.idx(2));
    });
  });
  kb.barrier();
  return {kb.boolean(true), kb.load(views.scalars, kb.idx(0)),
          kb.load(views.scalars, kb.idx(1)), kb.load(views.scalars, kb.idx(2)),
          Value()};
}

/// Per warp: the indexed j of this warp's contiguous chunk of the range.
WarpChunk mlir::pq::warpChunk(KernelBuilder &kb, Value count) {
  const int64_t warps = kb.threads / 32;
  const int64_t step = 32 * kKeptUnroll;
  Value chunk = kb.mul(
      kb.divu(kb.add(kb.divu(kb.add(count, kb.idx(warps - 1)), kb.idx(warps)),
                     kb.idx(step - 1)),
              kb.idx(step)),
      kb.idx(step));
  Value begin = kb.minu(kb.mul(kb.warpId(), chunk), count);
  return {begin, kb.minu(kb.add(begin, chunk), count), chunk};
}

namespace {
/// One step of a sweep: kKeptUnroll keys per lane.
struct KeptStep {
  SmallVector<Value> js, valids, greaters, equals;
};
} // namespace

static KeptStep loadKeptStep(KernelBuilder &kb, const KeyRange &range,
                             const Threshold &t, const WarpChunk &chunk,
                             Value s) {
  KeptStep k;
  SmallVector<Value> loaded;
  for (int64_t u = 0; u < kKeptUnroll; ++u) {
    Value j = kb.add(s, kb.add(kb.laneId(), kb.idx(32 * u)));
    Value valid = kb.cmp(CmpIPredicate::ult, j, chunk.end);
    k.js.push_back(j);
    k.valids.push_back(valid);
    loaded.push_back(kb.load(
        range.keys, kb.add(range.base, kb.select(valid, j, kb.idx(0)))));
  }
  for (int64_t u = 0; u < kKeptUnroll; ++u) {
    Value bits = kb.bitAnd(loaded[u], t.mask);
    k.greaters.push_back(kb.andI1(
        k.valids[u], kb.cmp(CmpIPredicate::ugt, bits, t.threshold)));
    k.equals.push_back(kb.andI1(
        k.valids[u], kb.cmp(CmpIPredicate::eq, bits, t.threshold)));
  }
  return k;
}

static Value asI32(KernelBuilder &kb, Value flag) {
  return arith::ExtUIOp::create(kb.b, kb.b.getI32Type(), flag);
}

void mlir::pq::emitCountKept(KernelBuilder &kb, const KeyRange &range,
                             const Threshold &t, Value totals,
                             Value totalsBase) {
  const int64_t warps = kb.threads / 32;
  WarpChunk chunk = warpChunk(kb, range.count);
  auto count = [&](Value key, Value valid, ValueRange acc) {
    Value bits = kb.bitAnd(key, t.mask);
    return SmallVector<Value>{
        kb.add(acc[0], asI32(kb, kb.andI1(valid, kb.cmp(CmpIPredicate::ugt,
                                                        bits, t.threshold)))),
        kb.add(acc[1], asI32(kb, kb.andI1(valid, kb.cmp(CmpIPredicate::eq,
                                                        bits, t.threshold))))};
  };
  SmallVector<Value> counts = kb.forLoop(
      chunk.begin, chunk.end, kb.idx(32 * kKeptUnroll),
      ValueRange{kb.i32(0), kb.i32(0)},
      [&](Value s, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> sums(acc.begin(), acc.end());
        if (range.vectorLoads) {
          // Order does not matter for counts: lane l takes keys 4l .. 4l + 3
          // of the step in one 16-byte load (a load past the range's end
          // stays within the row: rows hold whole multiples of 4 keys).
          Value j0 = kb.add(s, kb.mul(kb.laneId(), kb.idx(kKeptUnroll)));
          Value at = kb.select(kb.cmp(CmpIPredicate::ult, j0, chunk.end), j0,
                               chunk.begin);
          Value keys = kb.loadVector(
              VectorType::get({kKeptUnroll}, kb.b.getI32Type()), range.keys,
              kb.add(range.base, at), 4 * kKeptUnroll);
          // Keys left in the chunk from j0 (negative past it), in i32: one
          // 32-bit compare a key instead of 64-bit index arithmetic.
          Value left = kb.sub(kb.toI32(chunk.end), kb.toI32(j0));
          for (int64_t u = 0; u < kKeptUnroll; ++u) {
            Value key = vector::ExtractOp::create(kb.b, keys, u);
            sums = count(key, kb.cmp(CmpIPredicate::sgt, left, kb.i32(u)),
                         sums);
          }
          return sums;
        }
        KeptStep k = loadKeptStep(kb, range, t, chunk, s);
        for (int64_t u = 0; u < kKeptUnroll; ++u) {
          sums[0] = kb.add(sums[0], asI32(kb, k.greaters[u]));
          sums[1] = kb.add(sums[1], asI32(kb, k.equals[u]));
        }
        return sums;
      });
  Value greater = counts[0], equal = counts[1];
  for (int32_t shift = 16; shift >= 1; shift /= 2) {
    greater = kb.add(greater, kb.shuffleXor(greater, shift));
    equal = kb.add(equal, kb.shuffleXor(equal, shift));
  }
  Value warp = kb.warpId();
  kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.laneId(), kb.idx(0)), [&] {
    kb.store(greater, totals, kb.add(totalsBase, warp));
    kb.store(equal, totals, kb.add(totalsBase, kb.add(warp, kb.idx(warps))));
  });
}

std::pair<Value, Value> mlir::pq::emitKeptBefore(
    KernelBuilder &kb, int64_t parts, function_ref<Value(int64_t)> greaterOf,
    function_ref<Value(int64_t)> equalOf, Value part, Value keepEqual,
    Value keptBefore, Value equalBefore) {
  for (int64_t w = 0; w < parts; ++w) {
    Value earlier = kb.cmp(CmpIPredicate::ult, kb.idx(w), part);
    Value greater = greaterOf(w);
    Value equal = equalOf(w);
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
  return {keptBefore, equalBefore};
}

void mlir::pq::emitWriteKept(KernelBuilder &kb, const StepInfo &info,
                             const KernelArgs &args, const KeyRange &range,
                             const RowGeometry &g, const Threshold &t,
                             Value totals, Value totalsBase, Value keptBefore,
                             Value equalBefore) {
  const int64_t warps = kb.threads / 32;
  Value lowerLanes =
      kb.sub(kb.shl(kb.i32(1), kb.toI32(kb.laneId())), kb.i32(1));
  WarpChunk chunk = warpChunk(kb, range.count);
  // What the warps before this one keep and how many equal keys they pass.
  std::tie(keptBefore, equalBefore) = emitKeptBefore(
      kb, warps,
      [&](int64_t w) { return kb.load(totals, kb.add(totalsBase, kb.idx(w))); },
      [&](int64_t w) {
        return kb.load(totals, kb.add(totalsBase, kb.idx(warps + w)));
      },
      kb.warpId(), t.keepEqual, keptBefore, equalBefore);

  // Ranks within the warp by ballot, in index order.
  Value offset = kb.add(range.firstIndex, kb.idx(info.shape.initOffset));
  Value heavyBase = kb.add(g.listBase, g.sinkCount);
  const int64_t stepKeys = 32 * kKeptUnroll;
  kb.forLoop(
      chunk.begin, chunk.end, kb.idx(stepKeys),
      ValueRange{keptBefore, equalBefore},
      [&](Value s, ValueRange acc) -> SmallVector<Value> {
        KeptStep k = loadKeptStep(kb, range, t, chunk, s);
        // Most steps: every key valid, none equal to the threshold and no
        // position in the sink or the window (warp-uniform), so a key is
        // kept exactly when it is greater, with one ballot and no rank
        // among equals.
        Value anyEqual = k.equals[0];
        for (int64_t u = 1; u < kKeptUnroll; ++u) {
          anyEqual = kb.orI1(anyEqual, k.equals[u]);
        }
        Value first = kb.add(s, offset);
        Value plain = kb.andI1(
            kb.notI1(kb.anyLane(anyEqual)),
            kb.andI1(
                kb.cmp(CmpIPredicate::ule, kb.add(s, kb.idx(stepKeys)),
                       chunk.end),
                kb.andI1(kb.cmp(CmpIPredicate::uge, first, g.sinkCount),
                         kb.cmp(CmpIPredicate::ule,
                                kb.add(first, kb.idx(stepKeys)),
                                g.windowStart))));
        return kb.ifThenElse(
            plain, TypeRange{kb.b.getI32Type(), kb.b.getI32Type()},
            [&]() -> SmallVector<Value> {
              Value kept = acc[0];
              for (int64_t u = 0; u < kKeptUnroll; ++u) {
                Value keepVotes = kb.ballot(k.greaters[u]);
                Value slot = kb.add(
                    kept, kb.popCount(kb.bitAnd(keepVotes, lowerLanes)));
                Value position = kb.add(k.js[u], offset);
                kb.ifThen(k.greaters[u], [&] {
                  kb.store(listValue(kb, info, position), args.sparseList,
                           kb.add(heavyBase, slot));
                });
                kb.store(weightValue(kb, info, k.greaters[u]),
                         args.weightList, kb.add(g.weightBase, position));
                kept = kb.add(kept, kb.popCount(keepVotes));
              }
              return {kept, acc[1]};
            },
            [&]() -> SmallVector<Value> {
              Value kept = acc[0], equalSeen = acc[1];
              for (int64_t u = 0; u < kKeptUnroll; ++u) {
                Value equalVotes = kb.ballot(k.equals[u]);
                Value equalRank = kb.add(
                    equalSeen,
                    kb.popCount(kb.bitAnd(equalVotes, lowerLanes)));
                Value keep = kb.orI1(
                    k.greaters[u],
                    kb.andI1(k.equals[u], kb.cmp(CmpIPredicate::ult,
                                                 equalRank, t.keepEqual)));
                Value keepVotes = kb.ballot(keep);
                Value slot = kb.add(
                    kept, kb.popCount(kb.bitAnd(keepVotes, lowerLanes)));
                Value position = kb.add(k.js[u], offset);
                kb.ifThen(keep, [&] {
                  kb.store(listValue(kb, info, position), args.sparseList,
                           kb.add(heavyBase, slot));
                });
                kb.ifThen(k.valids[u], [&] {
                  kb.store(weightValue(kb, info,
                                       kb.orI1(keep, g.listed(kb, position))),
                           args.weightList, kb.add(g.weightBase, position));
                });
                kept = kb.add(kept, kb.popCount(keepVotes));
                equalSeen = kb.add(equalSeen, kb.popCount(equalVotes));
              }
              return {kept, equalSeen};
            });
      });
}

Threshold mlir::pq::emitRadixSelect(KernelBuilder &kb,
                                    const SharedViews &views, Value keys,
                                    Value base, Value count,
                                    Value remaining) {
  // The passes stop once the threshold's bin holds exactly the keys still
  // to take: all of them are kept, so the lower digits need not be known,
  // and keys compare on the digits found so far, under `mask`.
  // prefix, remaining, mask, done
  SmallVector<Value> state = {kb.i32(0), kb.toI32(remaining), kb.i32(0),
                              kb.boolean(false)};
  for (int64_t shift = 32 - kRadixBits; shift >= 0; shift -= kRadixBits) {
    auto pass = [&]() -> SmallVector<Value> {
      Crossing r = radixPass(kb, views, keys, base, count, state[0], state[1],
                             shift);
      Value left = kb.sub(state[1], r.above);
      return {kb.bitOr(state[0], kb.shl(r.bin, kb.i32(shift))), left,
              kb.bitOr(state[2], kb.i32((int64_t(kRadixBins - 1) << shift) &
                                        0xFFFFFFFF)),
              kb.cmp(CmpIPredicate::eq, r.count, left)};
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
  return {state[0], state[2], state[1]};
}

Value mlir::pq::fromFlaggedLane(KernelBuilder &kb, Value flag, Value value) {
  Value mine = kb.select(flag, value, kb.i32(0));
  for (int32_t offset = 16; offset >= 1; offset /= 2) {
    mine = kb.add(mine, kb.shuffleXor(mine, offset));
  }
  return mine;
}

Threshold mlir::pq::emitWarpRadixSelect(KernelBuilder &kb, Value hist,
                                        Value histBase, Value keys, Value base,
                                        Value count, Value remaining) {
  constexpr int64_t binsPerLane = kRadixBins / 32;
  Value lane = kb.laneId();
  Value prefix = kb.i32(0);
  remaining = kb.toI32(remaining);
  for (int64_t shift = 32 - kRadixBits; shift >= 0; shift -= kRadixBits) {
    int64_t highMask = shift + kRadixBits >= 32
                           ? 0
                           : static_cast<int64_t>(
                                 (0xFFFFFFFFull << (shift + kRadixBits)) &
                                 0xFFFFFFFFull);
    for (int64_t i = 0; i < binsPerLane; ++i) {
      kb.store(kb.i32(0), hist,
               kb.add(histBase, kb.add(kb.mul(lane, kb.idx(binsPerLane)),
                                       kb.idx(i))));
    }
    kb.warpSync();
    Value currentPrefix = prefix;
    kb.forLoop(lane, count, kb.idx(32), [&](Value j) {
      Value key = kb.load(keys, kb.add(base, j));
      kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.bitAnd(key, kb.i32(highMask)),
                       currentPrefix),
                [&] {
                  Value digit = kb.bitAnd(kb.shru(key, kb.i32(shift)),
                                          kb.i32(kRadixBins - 1));
                  kb.atomicAdd(kb.i32(1), hist,
                               kb.add(histBase, kb.toIndex(digit)));
                });
    });
    kb.warpSync();
    Crossing found = emitWarpCrossing(
        kb, kRadixBins, [&](Value bin) { return kb.load(hist, kb.add(histBase, bin)); },
        remaining);
    Value digit = fromFlaggedLane(kb, found.crosses, found.bin);
    Value above = fromFlaggedLane(kb, found.crosses, found.above);
    // Every lane has read its bins before the next pass clears them.
    kb.warpSync();
    prefix = kb.bitOr(prefix, kb.shl(digit, kb.i32(shift)));
    remaining = kb.sub(remaining, above);
  }
  return {prefix, kb.i32(-1), remaining};
}

Threshold mlir::pq::emitWarpRankSelect(KernelBuilder &kb, Value keys,
                                       Value base, Value count,
                                       Value remaining) {
  constexpr int64_t held = kWarpRankKeys / 32;
  Value lane = kb.laneId();
  remaining = kb.toI32(remaining);
  SmallVector<Value> mine, valid;
  for (int64_t h = 0; h < held; ++h) {
    Value j = kb.add(lane, kb.idx(32 * h));
    valid.push_back(kb.cmp(CmpIPredicate::ult, j, count));
    mine.push_back(
        kb.load(keys, kb.add(base, kb.select(valid.back(), j, kb.idx(0)))));
  }
  SmallVector<Value> greater(held, kb.i32(0)), equal(held, kb.i32(0));
  for (int32_t l = 0; l < 32; ++l) {
    for (int64_t h = 0; h < held; ++h) {
      Value other = kb.shuffleIdx(mine[h], l);
      Value otherValid = kb.cmp(CmpIPredicate::ult, kb.idx(l + 32 * h), count);
      for (int64_t m = 0; m < held; ++m) {
        Value above = kb.andI1(
            otherValid, kb.cmp(CmpIPredicate::ugt, other, mine[m]));
        Value same =
            kb.andI1(otherValid, kb.cmp(CmpIPredicate::eq, other, mine[m]));
        greater[m] =
            kb.add(greater[m], kb.select(above, kb.i32(1), kb.i32(0)));
        equal[m] = kb.add(equal[m], kb.select(same, kb.i32(1), kb.i32(0)));
      }
    }
  }
  // The threshold is the key with fewer than `remaining` keys above it and
  // at least `remaining` above or equal; every lane holding it agrees on
  // both values, so an OR over the warp yields them (0 elsewhere).
  Value threshold = kb.i32(0), keepEqual = kb.i32(0);
  for (int64_t m = 0; m < held; ++m) {
    Value crosses = kb.andI1(
        valid[m],
        kb.andI1(kb.cmp(CmpIPredicate::slt, greater[m], remaining),
                 kb.cmp(CmpIPredicate::sle, remaining,
                        kb.add(greater[m], equal[m]))));
    threshold = kb.bitOr(threshold, kb.select(crosses, mine[m], kb.i32(0)));
    keepEqual = kb.bitOr(
        keepEqual,
        kb.select(crosses, kb.sub(remaining, greater[m]), kb.i32(0)));
  }
  for (int32_t offset = 16; offset >= 1; offset /= 2) {
    threshold = kb.bitOr(threshold, kb.shuffleXor(threshold, offset));
    keepEqual = kb.bitOr(keepEqual, kb.shuffleXor(keepEqual, offset));
  }
  return {threshold, kb.i32(-1), keepEqual};
}

Threshold mlir::pq::noneKept(KernelBuilder &kb) {
  // Nothing is above the all-ones key and none of its equals are kept.
  return {kb.i32(-1), kb.i32(-1), kb.i32(0)};
}

void mlir::pq::emitListEnds(KernelBuilder &kb, const StepInfo &info,
                            const KernelArgs &args, const RowGeometry &g,
                            Value row) {
  // Sink and window parts of the list, and the length.
  kb.forEachThread(g.sinkCount, [&](Value i) {
    kb.store(listValue(kb, info, i), args.sparseList, kb.add(g.listBase, i));
  });
  Value windowOffset =
      kb.add(g.listBase, kb.add(g.sinkCount, kb.idx(info.heavy)));
  kb.forEachThread(g.windowCount, [&](Value i) {
    kb.store(listValue(kb, info, kb.add(g.windowStart, i)), args.sparseList,
             kb.add(windowOffset, i));
  });
  kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.threadId(), kb.idx(0)), [&] {
    kb.store(arith::IndexCastOp::create(kb.b, kb.b.getI64Type(), g.total),
             args.sparseLen, row);
  });
  // Weights of the positions before the index: sink or window only.
  kb.forEachThread(kb.minu(kb.idx(info.shape.initOffset), g.seqLen),
                   [&](Value p) {
    kb.store(weightValue(kb, info, g.listed(kb, p)), args.weightList,
             kb.add(g.weightBase, p));
  });
}

void mlir::pq::emitSelectRow(KernelBuilder &kb, const StepInfo &info,
                             const KernelArgs &args, const SharedViews &views,
                             Value keys, Value base, Value row) {
  RowGeometry g = rowGeometry(kb, info, args, row);
  Threshold t = info.heavy > 0
                    ? emitRadixSelect(kb, views, keys, base, g.indexed,
                                      kb.i32(info.heavy))
                    : noneKept(kb);
  emitListEnds(kb, info, args, g, row);
  // One CTA covers the whole row: the radix histogram is free again and
  // holds the warp totals.
  KeyRange range{keys, base, g.indexed, kb.idx(0),
                 /*vectorLoads=*/keys == views.keys};
  emitCountKept(kb, range, t, views.hist, kb.idx(0));
  kb.barrier();
  emitWriteKept(kb, info, args, range, g, t, views.hist, kb.idx(0),
                kb.i32(0), kb.i32(0));
}
