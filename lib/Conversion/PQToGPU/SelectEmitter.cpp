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

LaneKeys mlir::pq::loadLaneKeys(KernelBuilder &kb, const KeyRange &range,
                                Value s, Value begin, Value end) {
  LaneKeys lane;
  lane.j0 = kb.add(s, kb.mul(kb.laneId(), kb.idx(kKeptUnroll)));
  Value loaded;
  if (range.vectorLoads) {
    Value at = kb.select(kb.cmp(CmpIPredicate::ult, lane.j0, end), lane.j0,
                         begin);
    loaded = kb.loadVector(VectorType::get({kKeptUnroll}, kb.b.getI32Type()),
                           range.keys, kb.add(range.base, at),
                           4 * kKeptUnroll);
  }
  lane.left = kb.sub(kb.toI32(end), kb.toI32(lane.j0));
  for (int64_t u = 0; u < kKeptUnroll; ++u) {
    if (range.vectorLoads) {
      lane.keys.push_back(vector::ExtractOp::create(kb.b, loaded, u));
    } else {
      Value j = kb.add(lane.j0, kb.idx(u));
      lane.keys.push_back(kb.load(
          range.keys,
          kb.add(range.base, kb.select(lane.valid(kb, u), j, begin))));
    }
  }
  return lane;
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
          // Order does not matter for counts: lanes take 4 keys each.
          LaneKeys lane = loadLaneKeys(kb, range, s, chunk.begin, chunk.end);
          for (int64_t u = 0; u < kKeptUnroll; ++u) {
            sums = count(lane.keys[u], lane.valid(kb, u), sums);
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

/// (keptBefore, equalBefore) after parts holding `greater` keys above the
/// threshold and `equal` keys equal to it: equal keys are kept while the
/// keepEqual budget lasts, so those parts keep min(equal, keepEqual -
/// equalBefore) of theirs, at least 0 (the budget summed over the parts at
/// once; counts are non-negative i32).
static std::pair<Value, Value> foldKept(KernelBuilder &kb, Value greater,
                                        Value equal, Value keepEqual,
                                        Value keptBefore, Value equalBefore) {
  Value budget = kb.sub(keepEqual, equalBefore);
  Value keptEqual =
      kb.select(kb.cmp(CmpIPredicate::slt, equal, budget), equal, budget);
  keptEqual = kb.select(kb.cmp(CmpIPredicate::sgt, keptEqual, kb.i32(0)),
                        keptEqual, kb.i32(0));
  return {kb.add(keptBefore, kb.add(greater, keptEqual)),
          kb.add(equalBefore, equal)};
}

std::pair<Value, Value> mlir::pq::emitKeptBefore(
    KernelBuilder &kb, int64_t parts, function_ref<Value(int64_t)> greaterOf,
    function_ref<Value(int64_t)> equalOf, Value part, Value keepEqual,
    Value keptBefore, Value equalBefore) {
  Value greater = kb.i32(0), equal = kb.i32(0);
  for (int64_t w = 0; w < parts; ++w) {
    Value earlier = kb.cmp(CmpIPredicate::ult, kb.idx(w), part);
    greater = kb.add(greater, kb.select(earlier, greaterOf(w), kb.i32(0)));
    equal = kb.add(equal, kb.select(earlier, equalOf(w), kb.i32(0)));
  }
  return foldKept(kb, greater, equal, keepEqual, keptBefore, equalBefore);
}

/// Emission sweep 2a: the weights of the warp's positions, 1 where listed
/// (sink, window) or the key is above the threshold, else 0. Keys equal to
/// the threshold get 0 here; sweep 2b sets the kept ones. Where the weight
/// row's address allows, a lane writes 16 bytes of weights at once (their
/// keys are scalar loads: positions and key slots need not share an
/// alignment); the ends of the part, and rows of a misaligned buffer, go
/// element by element.
static void emitWeightSweep(KernelBuilder &kb, const StepInfo &info,
                            const KernelArgs &args, const KeyRange &range,
                            const RowGeometry &g, const Threshold &t,
                            const WarpChunk &chunk, Value offset) {
  const int64_t perVector =
      16 / (info.weightType.getIntOrFloatBitWidth() / 8);
  Value first = kb.add(offset, chunk.begin);
  Value end = kb.add(offset, chunk.end);
  auto above = [&](Value p) {
    Value key = kb.load(range.keys, kb.add(range.base, kb.sub(p, offset)));
    return kb.cmp(CmpIPredicate::ugt, kb.bitAnd(key, t.mask), t.threshold);
  };
  auto byElements = [&](Value lo, Value hi, Value stride) {
    kb.forLoop(lo, hi, stride, [&](Value p) {
      kb.store(weightValue(kb, info, kb.orI1(above(p), g.listed(kb, p))),
               args.weightList, kb.add(g.weightBase, p));
    });
  };
  auto byLanes = [&](Value lo, Value hi) {
    byElements(kb.add(lo, kb.laneId()), hi, kb.idx(32));
  };
  kb.ifThenElse(
      kb.isAligned(args.weightList, 16), TypeRange{},
      [&]() -> SmallVector<Value> {
        // Vectors start where the element index weightBase + p is a
        // multiple of perVector.
        Value misaligned =
            kb.remu(kb.add(g.weightBase, first), kb.idx(perVector));
        Value head = kb.minu(
            end, kb.add(first, kb.remu(kb.sub(kb.idx(perVector), misaligned),
                                       kb.idx(perVector))));
        Value vectors = kb.divu(kb.sub(end, head), kb.idx(perVector));
        Value bodyEnd = kb.add(head, kb.mul(vectors, kb.idx(perVector)));
        byLanes(first, head);
        kb.forLoop(kb.laneId(), vectors, kb.idx(32), [&](Value v) {
          Value p0 = kb.add(head, kb.mul(v, kb.idx(perVector)));
          // Almost every vector lies between the sink and the window; the
          // two or so that do not go element by element (fewer registers
          // than a vector of listed() tests).
          Value plain = kb.andI1(
              kb.cmp(CmpIPredicate::uge, p0, g.sinkCount),
              kb.cmp(CmpIPredicate::ule, kb.add(p0, kb.idx(perVector)),
                     g.windowStart));
          kb.ifThenElse(
              plain, TypeRange{},
              [&]() -> SmallVector<Value> {
                SmallVector<Value> weights;
                for (int64_t i = 0; i < perVector; ++i) {
                  weights.push_back(
                      weightValue(kb, info, above(kb.add(p0, kb.idx(i)))));
                }
                kb.storeVector(weights, args.weightList,
                               kb.add(g.weightBase, p0), 16);
                return {};
              },
              [&]() -> SmallVector<Value> {
                byElements(p0, kb.add(p0, kb.idx(perVector)), kb.idx(1));
                return {};
              });
        });
        byLanes(bodyEnd, end);
        return {};
      },
      [&]() -> SmallVector<Value> {
        byLanes(first, end);
        return {};
      });
}

void mlir::pq::emitWriteKept(KernelBuilder &kb, const StepInfo &info,
                             const KernelArgs &args, const KeyRange &range,
                             const RowGeometry &g, const Threshold &t,
                             Value totals, Value totalsBase, Value keptBefore,
                             Value equalBefore) {
  const int64_t warps = kb.threads / 32;
  WarpChunk chunk = warpChunk(kb, range.count);
  // What the warps before this one keep and how many equal keys they pass:
  // lane v holds warp v's totals and the sums run over the lanes below this
  // warp's index (loading all the totals into one thread would take
  // 2 * warps registers).
  {
    Value earlier = kb.cmp(CmpIPredicate::ult, kb.laneId(), kb.warpId());
    Value lane = kb.select(earlier, kb.laneId(), kb.idx(0));
    Value greater = kb.select(
        earlier, kb.load(totals, kb.add(totalsBase, lane)), kb.i32(0));
    Value equal = kb.select(
        earlier, kb.load(totals, kb.add(totalsBase, kb.add(lane,
                                                           kb.idx(warps)))),
        kb.i32(0));
    for (int32_t offset = 16; offset >= 1; offset /= 2) {
      greater = kb.add(greater, kb.shuffleXor(greater, offset));
      equal = kb.add(equal, kb.shuffleXor(equal, offset));
    }
    std::tie(keptBefore, equalBefore) =
        foldKept(kb, greater, equal, t.keepEqual, keptBefore, equalBefore);
  }
  Value offset = kb.add(range.firstIndex, kb.idx(info.shape.initOffset));
  emitWeightSweep(kb, info, args, range, g, t, chunk, offset);
  // Sweep 2b may overwrite weights another lane of the warp wrote in 2a.
  kb.warpSync();

  // Sweep 2b: the heavy list, in index order. Lane l takes keys 4l .. 4l + 3
  // of a 128-key step, held as bit masks (bit u: key 4l + u) rather than
  // flags (predicate registers are few); ranks among the kept and among the
  // keys equal to the threshold are warp prefix sums of per-lane counts,
  // computed only in steps that have any (warp-uniform votes).
  Value heavyBase = kb.add(g.listBase, g.sinkCount);
  const int64_t stepKeys = 32 * kKeptUnroll;
  auto bit = [&](Value mask, int64_t u) {
    return kb.cmp(CmpIPredicate::ne, kb.bitAnd(mask, kb.i32(1 << u)),
                  kb.i32(0));
  };
  auto withBit = [&](Value mask, Value flag, int64_t u) {
    return kb.bitOr(mask, kb.select(flag, kb.i32(1 << u), kb.i32(0)));
  };
  kb.forLoop(
      chunk.begin, chunk.end, kb.idx(stepKeys),
      ValueRange{keptBefore, equalBefore},
      [&](Value s, ValueRange acc) -> SmallVector<Value> {
        LaneKeys lane = loadLaneKeys(kb, range, s, chunk.begin, chunk.end);
        Value j0 = lane.j0;
        Value greater = kb.i32(0), equal = kb.i32(0);
        for (int64_t u = 0; u < kKeptUnroll; ++u) {
          Value valid = lane.valid(kb, u);
          Value key = lane.keys[u];
          Value bits = kb.bitAnd(key, t.mask);
          greater = withBit(greater,
                            kb.andI1(valid, kb.cmp(CmpIPredicate::ugt, bits,
                                                   t.threshold)),
                            u);
          equal = withBit(equal,
                          kb.andI1(valid, kb.cmp(CmpIPredicate::eq, bits,
                                                 t.threshold)),
                          u);
        }
        // Which equal keys are kept: the first keepEqual of the row.
        SmallVector<Value> keep = kb.ifThenElse(
            kb.anyLane(kb.cmp(CmpIPredicate::ne, equal, kb.i32(0))),
            TypeRange{kb.b.getI32Type(), kb.b.getI32Type()},
            [&]() -> SmallVector<Value> {
              Value equals = kb.popCount(equal);
              Value upTo = kb.warpInclusiveSum(equals);
              Value rank = kb.add(acc[1], kb.sub(upTo, equals));
              Value mask = greater;
              for (int64_t u = 0; u < kKeptUnroll; ++u) {
                Value isEqual = bit(equal, u);
                Value keptEqual = kb.andI1(
                    isEqual, kb.cmp(CmpIPredicate::ult, rank, t.keepEqual));
                // Sweep 2a left 0 there.
                kb.ifThen(keptEqual, [&] {
                  Value p = kb.add(offset, kb.add(j0, kb.idx(u)));
                  kb.store(weightValue(kb, info, kb.boolean(true)),
                           args.weightList, kb.add(g.weightBase, p));
                });
                mask = withBit(mask, keptEqual, u);
                rank = kb.add(rank, arith::ExtUIOp::create(
                                        kb.b, kb.b.getI32Type(), isEqual));
              }
              return {mask, kb.add(acc[1], kb.shuffleIdx(upTo, 31))};
            },
            [&]() -> SmallVector<Value> { return {greater, acc[1]}; });
        Value mask = keep[0];
        Value keptAfter = kb.ifThenElse(
            kb.anyLane(kb.cmp(CmpIPredicate::ne, mask, kb.i32(0))),
            TypeRange{kb.b.getI32Type()},
            [&]() -> SmallVector<Value> {
              Value kept = kb.popCount(mask);
              Value upTo = kb.warpInclusiveSum(kept);
              Value slot = kb.add(acc[0], kb.sub(upTo, kept));
              for (int64_t u = 0; u < kKeptUnroll; ++u) {
                // Lane's kept keys before key u: the mask's lower bits.
                Value at = kb.add(
                    slot, kb.popCount(kb.bitAnd(mask, kb.i32((1 << u) - 1))));
                kb.ifThen(bit(mask, u), [&] {
                  Value p = kb.add(offset, kb.add(j0, kb.idx(u)));
                  kb.store(listValue(kb, info, p), args.sparseList,
                           kb.add(heavyBase, kb.toIndex(at)));
                });
              }
              return {kb.add(acc[0], kb.shuffleIdx(upTo, 31))};
            },
            [&]() -> SmallVector<Value> { return {acc[0]}; })[0];
        return {keptAfter, keep[1]};
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
