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

/// One radix pass: histogram of digit `shift` among keys matching `prefix`
/// on the digits above, then warp 0 finds the digit holding the
/// `remaining`-th largest key. Returns (digit, count above it) to everyone.
static std::pair<Value, Value>
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
  kb.forEachThread(indexed, [&](Value j) {
    Value key = kb.load(keys, kb.add(base, j));
    Value matches =
        kb.cmp(CmpIPredicate::eq, kb.bitAnd(key, kb.i32(highMask)), prefix);
    kb.ifThen(matches, [&] {
      Value digit = kb.bitAnd(kb.shru(key, kb.i32(shift)),
                              kb.i32(kRadixBins - 1));
      kb.atomicAdd(kb.i32(1), views.hist, digit);
    });
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
      Value found = kb.boolean(false);
      Value seen = before;
      for (int64_t i = 0; i < binsPerLane; ++i) {
        Value next = kb.add(seen, counts[i]);
        Value hit = kb.andI1(kb.cmp(CmpIPredicate::uge, next, remaining),
                             kb.notI1(found));
        Value bin = kb.toI32(kb.sub(top, kb.idx(i)));
        digit = kb.select(hit, bin, digit);
        above = kb.select(hit, seen, above);
        found = kb.orI1(found, hit);
        seen = next;
      }
      kb.store(digit, views.scalars, kb.idx(0));
      kb.store(above, views.scalars, kb.idx(1));
    });
  });
  kb.barrier();
  Value digit = kb.load(views.scalars, kb.idx(0));
  Value above = kb.load(views.scalars, kb.idx(1));
  return {digit, above};
}

void mlir::pq::emitSelectRow(KernelBuilder &kb, const StepInfo &info,
                             const KernelArgs &args, const SharedViews &views,
                             Value keys, Value base, Value row) {
  // Off the full-attention path n > heavy + 1 + C, so k = heavy exactly.
  const int64_t heavy = info.heavy;
  RowGeometry g = rowGeometry(kb, info, args, row, heavy);

  // Threshold key and how many keys equal to it to keep. With k = 0 nothing
  // is above the all-ones key and none of its equals are kept.
  Value threshold = kb.i32(-1);
  Value keepEqual = kb.i32(0);
  if (heavy > 0) {
    Value prefix = kb.i32(0);
    Value remaining = kb.i32(heavy);
    for (int64_t shift = 32 - kRadixBits; shift >= 0; shift -= kRadixBits) {
      auto [digit, above] = radixPass(kb, views, keys, base, g.indexed, prefix,
                                      remaining, shift);
      prefix = kb.bitOr(prefix, kb.shl(digit, kb.i32(shift)));
      remaining = kb.sub(remaining, above);
    }
    threshold = prefix;
    keepEqual = remaining;
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

  // Index-ordered pass over tiles of one key per thread.
  Value heavyBase = kb.add(g.listBase, g.sinkCount);
  kb.forLoop(
      kb.idx(0), g.indexed, kb.idx(kb.threads),
      ValueRange{kb.i32(0), kb.i32(0)},
      [&](Value tile, ValueRange carried) -> SmallVector<Value> {
        Value selectedBefore = carried[0], equalBefore = carried[1];
        Value j = kb.add(tile, kb.threadId());
        Value valid = kb.cmp(CmpIPredicate::ult, j, g.indexed);
        Value safeJ = kb.select(valid, j, kb.idx(0));
        Value key = kb.load(keys, kb.add(base, safeJ));
        Value greater =
            kb.andI1(valid, kb.cmp(CmpIPredicate::ugt, key, threshold));
        Value equal =
            kb.andI1(valid, kb.cmp(CmpIPredicate::eq, key, threshold));
        Value equalFlag = arith::ExtUIOp::create(kb.b, kb.b.getI32Type(),
                                                 equal);
        auto [equalRank, equalCount] =
            kb.blockExclusiveSum(equalFlag, views.scan);
        Value keepThis = kb.cmp(CmpIPredicate::ult,
                                kb.add(equalBefore, equalRank), keepEqual);
        Value selected = kb.orI1(greater, kb.andI1(equal, keepThis));
        Value selectedFlag = arith::ExtUIOp::create(kb.b, kb.b.getI32Type(),
                                                    selected);
        auto [selectedRank, selectedCount] =
            kb.blockExclusiveSum(selectedFlag, views.scan);
        Value position = kb.add(j, offset);
        kb.ifThen(selected, [&] {
          Value slot = kb.add(selectedBefore, selectedRank);
          kb.store(listValue(kb, info, position), args.sparseList,
                   kb.add(heavyBase, slot));
        });
        kb.ifThen(valid, [&] {
          kb.store(weightValue(kb, info, kb.orI1(selected, listed(position))),
                   args.weightList, kb.add(g.weightBase, position));
        });
        return {kb.add(selectedBefore, selectedCount),
                kb.add(equalBefore, equalCount)};
      });
}
