//===- ClusterKernel.cpp - The `cluster` strategy: one launch on sm_90 ----===//
//
// A thread-block cluster of Q CTAs serves one (kv head, batch). CTA q owns a
// contiguous chunk of the indexed keys: it quantizes the chunk's new keys,
// builds the group's lookup tables and keeps the keys of every row of the
// group for its chunk in shared memory. Selection never re-reads a row:
//  1. while scoring, each CTA counts its keys in kScoreBins bins linear in
//     the score between the row's bounds (derived from the tables, so every
//     CTA bins alike, and monotone, so higher bins hold larger scores);
//  2. the cluster reduces the histograms through distributed shared memory
//     (CTA q sums slice q of every peer's), and every CTA finds the bin that
//     holds the k-th largest score;
//  3. one sweep over the CTA's keys counts, per warp, the keys above that
//     bin and appends the keys in it (a few dozen on real data), with their
//     positions, to the workspace; the CTA's count above the bin goes to its
//     exchange words;
//  4. after one cluster barrier every CTA selects the exact threshold from
//     the candidates alone, counts the candidates above and equal to it by
//     owning CTA and warp, and so knows, with the peers' counts, what every
//     CTA before it keeps: it writes its part of the heavy list and its
//     slice of every weight row without another sweep or barrier.
// Ties go to the lowest index and the heavy list is ascending, as in the
// other strategies; histogram atomics only count, so results are bitwise
// deterministic.
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"
#include "Kernels.h"
#include "PhaseTimers.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

/// The static sizes the kernel body works with.
struct ClusterGeometry {
  int64_t clusterSize;
  int64_t group;
  int64_t chunkCapacity; // keys per row of views.keys
  int64_t binsPerSlice;  // bins each CTA reduces
  int64_t rowStride;     // keys per row of the workspace's candidate list
  int64_t listStride;    // words per row of the workspace: keys, positions
  int64_t warps;
};

/// Values of the chunk every thread of the CTA agrees on. CTA q's chunk
/// starts at q * stride.
struct Chunk {
  Value begin, end, count, stride;
};

} // namespace

/// The bin of a score: score * scale + bias (one rounding), clamped to the
/// histogram. Monotone in the score, and the same in every CTA. maxNum
/// sends NaN (0 * inf when a row's bounds are infinite) to bin 0.
static Value binOf(KernelBuilder &kb, Value score, Value scale, Value bias) {
  Value x = kb.maxnumf(kb.fma(score, scale, bias), kb.f32(0.0f));
  x = kb.minnumf(x, kb.f32(float(kScoreBins - 1)));
  return arith::FPToUIOp::create(kb.b, kb.b.getI32Type(), x);
}

static Value rowWord(KernelBuilder &kb, Value r, int64_t word) {
  return kb.add(kb.mul(r, kb.idx(kRowWords)), kb.idx(word));
}

static Value exchangeWord(KernelBuilder &kb, Value r, int64_t word) {
  return kb.add(kb.mul(r, kb.idx(kExchangeWords)), kb.idx(word));
}

static Value asF32(KernelBuilder &kb, Value bits) {
  return arith::BitcastOp::create(kb.b, kb.b.getF32Type(), bits);
}

static Value flagAsI32(KernelBuilder &kb, Value flag) {
  return arith::ExtUIOp::create(kb.b, kb.b.getI32Type(), flag);
}

static Value asI32Bits(KernelBuilder &kb, Value value) {
  return arith::BitcastOp::create(kb.b, kb.b.getI32Type(), value);
}

/// Each row's score bounds from its tables: low = sum_s min_c T[r][s][c],
/// high likewise, summed in the scores' order so every score lies within.
/// One warp per row; stores kRowBinScale and kRowBinBias. Ends with a
/// barrier.
static void emitRowBounds(KernelBuilder &kb, const StepInfo &info,
                          const SharedViews &views,
                          const ClusterGeometry &geo) {
  const StepShape &shape = info.shape;
  const int64_t perHead = shape.subspaces * shape.centroids;
  const float inf = std::numeric_limits<float>::infinity();
  kb.forLoop(kb.warpId(), kb.idx(geo.group), kb.idx(geo.warps), [&](Value r) {
    SmallVector<Value> bounds = kb.forLoop(
        kb.idx(0), kb.idx(shape.subspaces), kb.idx(1),
        ValueRange{kb.f32(0.0f), kb.f32(0.0f)},
        [&](Value s, ValueRange sums) -> SmallVector<Value> {
          Value base = kb.add(kb.mul(r, kb.idx(perHead)),
                              kb.mul(s, kb.idx(shape.centroids)));
          // NaN entries never win a comparison, so they are ignored.
          SmallVector<Value> extremes = kb.forLoop(
              kb.laneId(), kb.idx(shape.centroids), kb.idx(32),
              ValueRange{kb.f32(inf), kb.f32(-inf)},
              [&](Value c, ValueRange acc) -> SmallVector<Value> {
                Value t = kb.load(views.lut, kb.add(base, c));
                return {kb.select(kb.cmpf(CmpFPredicate::OLT, t, acc[0]), t,
                                  acc[0]),
                        kb.select(kb.cmpf(CmpFPredicate::OGT, t, acc[1]), t,
                                  acc[1])};
              });
          Value low = extremes[0], high = extremes[1];
          for (int32_t offset = 16; offset >= 1; offset /= 2) {
            Value otherLow = kb.shuffleXor(low, offset);
            Value otherHigh = kb.shuffleXor(high, offset);
            low = kb.select(kb.cmpf(CmpFPredicate::OLT, otherLow, low),
                            otherLow, low);
            high = kb.select(kb.cmpf(CmpFPredicate::OGT, otherHigh, high),
                             otherHigh, high);
          }
          return {kb.addf(sums[0], low), kb.addf(sums[1], high)};
        });
    Value scale = arith::DivFOp::create(kb.b, kb.f32(float(kScoreBins)),
                                        kb.subf(bounds[1], bounds[0]));
    Value bias = kb.subf(kb.f32(0.0f), kb.mulf(bounds[0], scale));
    kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.laneId(), kb.idx(0)), [&] {
      kb.store(asI32Bits(kb, scale), views.rows,
               rowWord(kb, r, kRowBinScale));
      kb.store(asI32Bits(kb, bias), views.rows, rowWord(kb, r, kRowBinBias));
    });
  });
  kb.barrier();
}

/// After the histograms are complete cluster-wide: CTA `rank` sums slice
/// `rank` of every peer's histogram into views.slice and its per-row total
/// into its exchange words.
static void emitReduceSlice(KernelBuilder &kb, const SharedViews &views,
                            const ClusterGeometry &geo, Value rank) {
  SmallVector<Value> peers;
  for (int64_t p = 0; p < geo.clusterSize; ++p) {
    peers.push_back(kb.peerView(views.bins, kb.idx(p)));
  }
  kb.forEachThread(kb.idx(geo.group * geo.binsPerSlice), [&](Value i) {
    Value r = kb.divu(i, kb.idx(geo.binsPerSlice));
    Value bin = kb.add(
        kb.add(kb.mul(r, kb.idx(kScoreBins)),
               kb.mul(rank, kb.idx(geo.binsPerSlice))),
        kb.remu(i, kb.idx(geo.binsPerSlice)));
    // The last slices may reach past the histogram: those bins are empty.
    Value exists = kb.cmp(CmpIPredicate::ult,
                          kb.add(kb.mul(rank, kb.idx(geo.binsPerSlice)),
                                 kb.remu(i, kb.idx(geo.binsPerSlice))),
                          kb.idx(kScoreBins));
    Value sum = kb.ifThenElse(
        exists, TypeRange{kb.b.getI32Type()},
        [&]() -> SmallVector<Value> {
          // All loads first: the peers' answers overlap in flight.
          SmallVector<Value> counts;
          for (Value peer : peers) {
            counts.push_back(kb.loadPeer(peer, bin));
          }
          Value total = kb.i32(0);
          for (Value count : counts) {
            total = kb.add(total, count);
          }
          return {total};
        },
        [&]() -> SmallVector<Value> { return {kb.i32(0)}; })[0];
    kb.store(sum, views.slice, i);
    // A warp's 32 consecutive bins belong to one row (a slice is a multiple
    // of 32 bins): one atomic per warp.
    Value warpSum = sum;
    for (int32_t offset = 16; offset >= 1; offset /= 2) {
      warpSum = kb.add(warpSum, kb.shuffleXor(warpSum, offset));
    }
    kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.laneId(), kb.idx(0)), [&] {
      kb.atomicAdd(warpSum, views.exchange,
                   exchangeWord(kb, r, kExchangeSliceTotal));
    });
  });
}

/// Every CTA alike: the bin of each row that holds its k-th largest score
/// (kRowBin, -1 when fewer than k keys have a real score, so the threshold
/// is the masked key), the keys above that bin and in it. One warp per row.
/// Ends with a barrier.
static void emitThresholdBins(KernelBuilder &kb, const StepInfo &info,
                              const SharedViews &views,
                              const ClusterGeometry &geo) {
  Value k = kb.i32(info.heavy);
  kb.forLoop(kb.warpId(), kb.idx(geo.group), kb.idx(geo.warps), [&](Value r) {
    Crossing slice = emitWarpCrossing(
        kb, geo.clusterSize,
        [&](Value peer) {
          return kb.loadPeer(kb.peerView(views.exchange, peer),
                             exchangeWord(kb, r, kExchangeSliceTotal));
        },
        k);
    Value real = slice.total;
    Value found = kb.anyLane(slice.crosses);
    Value owner = fromFlaggedLane(kb, slice.crosses, slice.bin);
    Value aboveSlices = fromFlaggedLane(kb, slice.crosses, slice.above);
    // Inside the owner's slice (warp-uniform: `found` is a vote).
    SmallVector<Value> bin = kb.ifThenElse(
        found, TypeRange{kb.b.getI32Type(), kb.b.getI32Type(),
                         kb.b.getI32Type()},
        [&]() -> SmallVector<Value> {
          Value peer = kb.peerView(views.slice, owner);
          Value rowBase = kb.mul(r, kb.idx(geo.binsPerSlice));
          Crossing inSlice = emitWarpCrossing(
              kb, geo.binsPerSlice,
              [&](Value b) { return kb.loadPeer(peer, kb.add(rowBase, b)); },
              kb.sub(k, aboveSlices));
          Value first = kb.mul(owner, kb.i32(geo.binsPerSlice));
          return {kb.add(first, fromFlaggedLane(kb, inSlice.crosses,
                                                 inSlice.bin)),
                  kb.add(aboveSlices, fromFlaggedLane(kb, inSlice.crosses,
                                                       inSlice.above)),
                  fromFlaggedLane(kb, inSlice.crosses, inSlice.count)};
        },
        [&]() -> SmallVector<Value> { return {kb.i32(-1), real, kb.i32(0)}; });
    kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.laneId(), kb.idx(0)), [&] {
      kb.store(bin[0], views.rows, rowWord(kb, r, kRowBin));
      kb.store(bin[1], views.rows, rowWord(kb, r, kRowAbove));
      kb.store(bin[2], views.rows, rowWord(kb, r, kRowCandidates));
    });
  });
  kb.barrier();
}

/// The words of views.slice (free once the threshold bins are found) that
/// count, per row, what the candidate list holds above and equal to the
/// exact threshold: per CTA of the cluster, then per warp of this CTA.
struct CandidateCounts {
  int64_t clusterSize, warps;
  int64_t perRow() const { return 2 * (clusterSize + warps); }
  Value ctaGreater(KernelBuilder &kb, Value r, Value c) const {
    return kb.add(kb.mul(r, kb.idx(perRow())), c);
  }
  Value ctaEqual(KernelBuilder &kb, Value r, Value c) const {
    return ctaGreater(kb, r, kb.add(c, kb.idx(clusterSize)));
  }
  Value warpGreater(KernelBuilder &kb, Value r, Value w) const {
    return ctaGreater(kb, r, kb.add(w, kb.idx(2 * clusterSize)));
  }
  Value warpEqual(KernelBuilder &kb, Value r, Value w) const {
    return ctaGreater(kb, r, kb.add(w, kb.idx(2 * clusterSize + warps)));
  }
};

static CandidateCounts candidateCounts(const ClusterGeometry &geo) {
  CandidateCounts counts{geo.clusterSize, geo.warps};
  // A slice has at least 2048 / 16 = 128 bins a row; a CTA at most 32 warps.
  assert(counts.perRow() <= geo.binsPerSlice && "counts outgrow the slice");
  return counts;
}

/// The threshold-bin sweep, in the emission sweeps' warp partition
/// (warpChunk), 4 keys a lane from one 16-byte load: each warp counts its
/// real keys above each row's threshold bin into its warpTotals words
/// (greater; equal 0), and appends the keys in the bin with their indexed
/// positions to the row's candidate list in the workspace (slots from a
/// counter in CTA 0, one atomic per warp step that finds any). A row whose
/// threshold is the masked key (bin -1) is counted against it instead, as
/// its threshold is already exact. The CTA's totals go to its exchange
/// words for the peers, so no other sweep over the keys counts them.
static void emitBinSweep(KernelBuilder &kb, const SharedViews &views, const KernelArgs &args,
                         const ClusterGeometry &geo, const Chunk &chunk,
                         Value firstRow) {
  Value counters = kb.peerView(views.exchange, kb.idx(0));
  const int64_t totalsPerRow = 2 * geo.warps;
  const int64_t stepKeys = 32 * kKeptUnroll;
  WarpChunk part = warpChunk(kb, chunk.count);
  kb.forLoop(kb.idx(0), kb.idx(geo.group), kb.idx(1), [&](Value r) {
    Value bin = kb.load(views.rows, rowWord(kb, r, kRowBin));
    Value keyBase = kb.mul(r, kb.idx(geo.chunkCapacity));
    Value totalsBase = kb.mul(r, kb.idx(totalsPerRow));
    // CTA-uniform: the bin was read from shared memory after a barrier.
    kb.ifThenElse(
        kb.cmp(CmpIPredicate::sge, bin, kb.i32(0)), TypeRange{},
        [&]() -> SmallVector<Value> {
          Value scale =
              asF32(kb, kb.load(views.rows, rowWord(kb, r, kRowBinScale)));
          Value bias =
              asF32(kb, kb.load(views.rows, rowWord(kb, r, kRowBinBias)));
          Value listBase =
              kb.mul(kb.add(firstRow, r), kb.idx(geo.listStride));
          Value above = kb.forLoop(
              part.begin, part.end, kb.idx(stepKeys), ValueRange{kb.i32(0)},
              [&](Value s, ValueRange acc) -> SmallVector<Value> {
                Value j0 = kb.add(s, kb.mul(kb.laneId(), kb.idx(kKeptUnroll)));
                Value at = kb.select(kb.cmp(CmpIPredicate::ult, j0, part.end),
                                     j0, part.begin);
                Value keys = kb.loadVector(
                    VectorType::get({kKeptUnroll}, kb.b.getI32Type()),
                    views.keys, kb.add(keyBase, at), 4 * kKeptUnroll);
                Value left = kb.sub(kb.toI32(part.end), kb.toI32(j0));
                Value count = acc[0], found = kb.i32(0);
                SmallVector<Value> key, inBin;
                for (int64_t u = 0; u < kKeptUnroll; ++u) {
                  key.push_back(vector::ExtractOp::create(kb.b, keys, u));
                  Value real = kb.andI1(
                      kb.cmp(CmpIPredicate::sgt, left, kb.i32(u)),
                      kb.cmp(CmpIPredicate::ne, key[u], kb.i32(maskedKey())));
                  Value b = binOf(kb, scoreOfKey(kb, key[u]), scale, bias);
                  count = kb.add(count, flagAsI32(kb, kb.andI1(real, kb.cmp(
                                            CmpIPredicate::sgt, b, bin))));
                  inBin.push_back(
                      kb.andI1(real, kb.cmp(CmpIPredicate::eq, b, bin)));
                  found = kb.add(found, flagAsI32(kb, inBin[u]));
                }
                // Warp-uniform: the bin's keys are rare on real data.
                kb.ifThen(kb.anyLane(kb.cmp(CmpIPredicate::ne, found,
                                            kb.i32(0))), [&] {
                  Value upTo = kb.warpInclusiveSum(found);
                  Value total = kb.shuffleIdx(upTo, 31);
                  Value reserved = kb.ifThenElse(
                      kb.cmp(CmpIPredicate::eq, kb.laneId(), kb.idx(0)),
                      TypeRange{kb.b.getI32Type()},
                      [&]() -> SmallVector<Value> {
                        return {kb.atomicAddPeer(
                            total, counters,
                            exchangeWord(kb, r, kExchangeCandidates))};
                      },
                      [&]() -> SmallVector<Value> { return {kb.i32(0)}; })[0];
                  Value slot = kb.add(kb.shuffleIdx(reserved, 0),
                                      kb.sub(upTo, found));
                  for (int64_t u = 0; u < kKeptUnroll; ++u) {
                    kb.ifThen(inBin[u], [&] {
                      Value at = kb.add(listBase, kb.toIndex(slot));
                      kb.store(key[u], args.workspace, at);
                      Value position =
                          kb.add(chunk.begin, kb.add(j0, kb.idx(u)));
                      kb.store(kb.toI32(position), args.workspace,
                               kb.add(at, kb.idx(geo.rowStride)));
                    });
                    slot = kb.add(slot, flagAsI32(kb, inBin[u]));
                  }
                });
                return {count};
              })[0];
          for (int32_t offset = 16; offset >= 1; offset /= 2) {
            above = kb.add(above, kb.shuffleXor(above, offset));
          }
          Value warp = kb.warpId();
          kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.laneId(), kb.idx(0)), [&] {
            kb.store(above, views.warpTotals, kb.add(totalsBase, warp));
            kb.store(kb.i32(0), views.warpTotals,
                     kb.add(totalsBase, kb.add(warp, kb.idx(geo.warps))));
          });
          return {};
        },
        [&]() -> SmallVector<Value> {
          // Fewer real keys than k: all are kept, then masked ones.
          emitCountKept(kb,
                        KeyRange{views.keys, keyBase, chunk.count, chunk.begin,
                                 /*vectorLoads=*/true},
                        Threshold{kb.i32(maskedKey()), kb.i32(-1), kb.i32(0)},
                        views.warpTotals, totalsBase);
          return {};
        });
  });
  kb.barrier();
  kb.forEachThread(kb.idx(geo.group), [&](Value r) {
    Value greater = kb.i32(0), equal = kb.i32(0);
    for (int64_t w = 0; w < geo.warps; ++w) {
      Value at = kb.add(kb.mul(r, kb.idx(totalsPerRow)), kb.idx(w));
      greater = kb.add(greater, kb.load(views.warpTotals, at));
      equal = kb.add(equal, kb.load(views.warpTotals,
                                    kb.add(at, kb.idx(geo.warps))));
    }
    kb.store(greater, views.exchange, exchangeWord(kb, r, kExchangeGreater));
    kb.store(equal, views.exchange, exchangeWord(kb, r, kExchangeEqual));
  });
}

/// Every CTA alike: each row's exact threshold from its candidates (or the
/// masked key), into kRowThreshold and kRowKeepEqual. One warp per row: it
/// copies the candidates next to its radix histogram in the (no longer
/// needed) score histogram of the row, unless there are too many, and
/// selects there. Ends with a barrier.
static void emitExactThresholds(KernelBuilder &kb, const StepInfo &info,
                                const SharedViews &views,
                                const KernelArgs &args,
                                const ClusterGeometry &geo, Value firstRow) {
  const int64_t capacity = kScoreBins - kRadixBins;
  // The candidate counts of the next phase live in the slices, which no
  // peer reads any more.
  kb.forEachThread(kb.idx(geo.group * candidateCounts(geo).perRow()),
                   [&](Value i) { kb.store(kb.i32(0), views.slice, i); });
  kb.forLoop(kb.warpId(), kb.idx(geo.group), kb.idx(geo.warps), [&](Value r) {
    Value bin = kb.load(views.rows, rowWord(kb, r, kRowBin));
    Value above = kb.load(views.rows, rowWord(kb, r, kRowAbove));
    Value remaining = kb.sub(kb.i32(info.heavy), above);
    SmallVector<Value> t = kb.ifThenElse(
        kb.cmp(CmpIPredicate::sge, bin, kb.i32(0)),
        TypeRange{kb.b.getI32Type(), kb.b.getI32Type()},
        [&]() -> SmallVector<Value> {
          Value count = kb.toIndex(
              kb.load(views.rows, rowWord(kb, r, kRowCandidates)));
          Value listBase =
              kb.mul(kb.add(firstRow, r), kb.idx(geo.listStride));
          Value histBase = kb.mul(r, kb.idx(kScoreBins));
          Value local = kb.add(histBase, kb.idx(kRadixBins));
          Value fits = kb.cmp(CmpIPredicate::ule, count, kb.idx(capacity));
          kb.ifThen(fits, [&] {
            kb.forLoop(kb.laneId(), count, kb.idx(32), [&](Value j) {
              kb.store(kb.load(args.workspace, kb.add(listBase, j)),
                       views.bins, kb.add(local, j));
            });
          });
          kb.warpSync();
          return kb.ifThenElse(
              fits, TypeRange{kb.b.getI32Type(), kb.b.getI32Type()},
              [&]() -> SmallVector<Value> {
                // A bin's few candidates (the usual case): ranks, no passes.
                return kb.ifThenElse(
                    kb.cmp(CmpIPredicate::ule, count, kb.idx(kWarpRankKeys)),
                    TypeRange{kb.b.getI32Type(), kb.b.getI32Type()},
                    [&]() -> SmallVector<Value> {
                      Threshold in = emitWarpRankSelect(kb, views.bins, local,
                                                        count, remaining);
                      return {in.threshold, in.keepEqual};
                    },
                    [&]() -> SmallVector<Value> {
                      Threshold in = emitWarpRadixSelect(
                          kb, views.bins, histBase, views.bins, local, count,
                          remaining);
                      return {in.threshold, in.keepEqual};
                    });
              },
              [&]() -> SmallVector<Value> {
                Threshold in = emitWarpRadixSelect(kb, views.bins, histBase,
                                                   args.workspace, listBase,
                                                   count, remaining);
                return {in.threshold, in.keepEqual};
              });
        },
        [&]() -> SmallVector<Value> {
          return {kb.i32(maskedKey()), remaining};
        });
    kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.laneId(), kb.idx(0)), [&] {
      kb.store(t[0], views.rows, rowWord(kb, r, kRowThreshold));
      kb.store(t[1], views.rows, rowWord(kb, r, kRowKeepEqual));
    });
  });
  kb.barrier();
}

static Threshold rowThreshold(KernelBuilder &kb, const StepInfo &info,
                              const SharedViews &views, Value r) {
  if (info.heavy == 0) {
    return noneKept(kb);
  }
  return {kb.load(views.rows, rowWord(kb, r, kRowThreshold)),
          kb.i32(-1),
          kb.load(views.rows, rowWord(kb, r, kRowKeepEqual))};
}

/// Emission. What each CTA and each of this CTA's warps keeps is its count
/// above the threshold bin (the bin sweep) plus its candidates above the
/// exact threshold; its equal keys are all candidates. So the CTA counts the
/// candidate list (a few dozen keys on real data) by owner, adds the peers'
/// bin-sweep totals for the CTAs before it, and writes. Arrives at the final
/// cluster barrier once no peer's memory is read any more; the caller waits
/// on it before the kernel ends.
static void emitClusterKeptLists(KernelBuilder &kb, const StepInfo &info,
                                 const KernelArgs &args,
                                 const SharedViews &views,
                                 const ClusterGeometry &geo, const Chunk &chunk,
                                 Value rank, Value firstRow,
                                 PhaseTimers &timers) {
  const int64_t totalsPerRow = 2 * geo.warps;
  const CandidateCounts counts = candidateCounts(geo);
  WarpChunk part = warpChunk(kb, chunk.count);
  kb.forLoop(kb.idx(0), kb.idx(geo.group), kb.idx(1), [&](Value r) {
    Value bin = kb.load(views.rows, rowWord(kb, r, kRowBin));
    // CTA-uniform; a row with bin -1 has no candidates.
    kb.ifThen(kb.cmp(CmpIPredicate::sge, bin, kb.i32(0)), [&] {
      Value threshold = kb.load(views.rows, rowWord(kb, r, kRowThreshold));
      Value listBase = kb.mul(kb.add(firstRow, r), kb.idx(geo.listStride));
      Value listed =
          kb.toIndex(kb.load(views.rows, rowWord(kb, r, kRowCandidates)));
      kb.forEachThread(listed, [&](Value i) {
        Value at = kb.add(listBase, i);
        Value key = kb.load(args.workspace, at);
        Value position = kb.toIndex(
            kb.load(args.workspace, kb.add(at, kb.idx(geo.rowStride))));
        Value greater = kb.cmp(CmpIPredicate::ugt, key, threshold);
        Value equal = kb.cmp(CmpIPredicate::eq, key, threshold);
        Value owner = kb.divu(position, chunk.stride);
        kb.ifThen(greater, [&] {
          kb.atomicAdd(kb.i32(1), views.slice, counts.ctaGreater(kb, r, owner));
        });
        kb.ifThen(equal, [&] {
          kb.atomicAdd(kb.i32(1), views.slice, counts.ctaEqual(kb, r, owner));
        });
        kb.ifThen(kb.cmp(CmpIPredicate::eq, owner, rank), [&] {
          Value warp = kb.divu(kb.sub(position, chunk.begin), part.size);
          kb.ifThen(greater, [&] {
            kb.atomicAdd(kb.i32(1), views.slice,
                         counts.warpGreater(kb, r, warp));
          });
          kb.ifThen(equal, [&] {
            kb.atomicAdd(kb.i32(1), views.slice,
                         counts.warpEqual(kb, r, warp));
          });
        });
      });
    });
  });
  kb.barrier();
  timers.mark("candidates_counted");
  SmallVector<Value> peers;
  for (int64_t p = 0; p < geo.clusterSize; ++p) {
    peers.push_back(kb.peerView(views.exchange, kb.idx(p)));
  }
  kb.forEachThread(kb.idx(geo.group), [&](Value r) {
    auto [kept, equal] = emitKeptBefore(
        kb, geo.clusterSize,
        [&](int64_t p) {
          return kb.add(
              kb.loadPeer(peers[p], exchangeWord(kb, r, kExchangeGreater)),
              kb.load(views.slice, counts.ctaGreater(kb, r, kb.idx(p))));
        },
        [&](int64_t p) {
          return kb.add(
              kb.loadPeer(peers[p], exchangeWord(kb, r, kExchangeEqual)),
              kb.load(views.slice, counts.ctaEqual(kb, r, kb.idx(p))));
        },
        rank, rowThreshold(kb, info, views, r).keepEqual, kb.i32(0),
        kb.i32(0));
    kb.store(kept, views.rows, rowWord(kb, r, kRowKeptBefore));
    kb.store(equal, views.rows, rowWord(kb, r, kRowEqualBefore));
  });
  // This CTA's warps: their bin-sweep counts plus their candidates.
  kb.forEachThread(kb.idx(geo.group * geo.warps), [&](Value i) {
    Value r = kb.divu(i, kb.idx(geo.warps));
    Value w = kb.remu(i, kb.idx(geo.warps));
    Value greaterAt = kb.add(kb.mul(r, kb.idx(totalsPerRow)), w);
    Value equalAt = kb.add(greaterAt, kb.idx(geo.warps));
    kb.store(kb.add(kb.load(views.warpTotals, greaterAt),
                    kb.load(views.slice, counts.warpGreater(kb, r, w))),
             views.warpTotals, greaterAt);
    kb.store(kb.add(kb.load(views.warpTotals, equalAt),
                    kb.load(views.slice, counts.warpEqual(kb, r, w))),
             views.warpTotals, equalAt);
  });
  kb.clusterArrive();
  kb.barrier();
  timers.mark("offsets");
  auto range = [&](Value r) {
    return KeyRange{views.keys, kb.mul(r, kb.idx(geo.chunkCapacity)),
                    chunk.count, chunk.begin, /*vectorLoads=*/true};
  };
  kb.forLoop(kb.idx(0), kb.idx(geo.group), kb.idx(1), [&](Value r) {
    timers.mark("last_row_start");
    Value row = kb.add(firstRow, r);
    RowGeometry g = rowGeometry(kb, info, args, row);
    emitWriteKept(kb, info, args, range(r), g, rowThreshold(kb, info, views, r),
                  views.warpTotals, kb.mul(r, kb.idx(totalsPerRow)),
                  kb.load(views.rows, rowWord(kb, r, kRowKeptBefore)),
                  kb.load(views.rows, rowWord(kb, r, kRowEqualBefore)));
    timers.mark("last_row_kept");
    kb.ifThen(kb.cmp(CmpIPredicate::eq, rank, kb.idx(0)),
              [&] { emitListEnds(kb, info, args, g, row); });
  });
}

SmallVector<gpu::GPUFuncOp>
mlir::pq::buildClusterKernels(gpu::GPUModuleOp module, StringRef name,
                              const StepInfo &info, Location loc) {
  const StepShape &shape = info.shape;
  const int64_t threads = info.tiling.getThreads();
  const int64_t maxSeqLen = info.tiling.getMaxSeqLen();
  ClusterGeometry geo;
  geo.clusterSize = info.tiling.getCtasPerRow();
  geo.group = shape.rows();
  geo.chunkCapacity = clusterChunk(shape, maxSeqLen, geo.clusterSize);
  geo.binsPerSlice = binsPerSlice(geo.clusterSize);
  geo.rowStride = info.keyRowStride();
  geo.listStride = workspaceRowWords(info);
  geo.warps = threads / 32;
  SharedMemoryPlan plan =
      planClusterKernel(shape, maxSeqLen, threads, geo.clusterSize);

  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  // x: (kv head, row group, rank in the cluster), y: batch.
  const int64_t rowGroups = shape.rowGroups;
  gpu::GPUFuncOp func = createKernel(
      module, (name + "_cluster").str(), info,
      {geo.clusterSize * shape.kvHeads * rowGroups, -1, 1}, threads,
      plan.total, b, args,
      /*blocksPerSM=*/kClusterSMThreads / threads);
  func->setAttr("nvvm.cluster_dim",
                b.getDenseI32ArrayAttr(
                    {static_cast<int32_t>(geo.clusterSize), 1, 1}));
  func->setAttr("pq.cluster", b.getI64IntegerAttr(geo.clusterSize));
  KernelBuilder kb(b, threads);
  PhaseTimers timers(kb, info, args);
  timers.mark("start");
  Value rank = kb.clusterRank();
  Value cluster =
      kb.divu(kb.blockId(gpu::Dimension::x), kb.idx(geo.clusterSize));
  Value kvHead = kb.divu(cluster, kb.idx(rowGroups));
  Value batch = kb.blockId(gpu::Dimension::y);
  SharedViews views = createSharedViews(kb, plan);
  // The cluster's rows: its row group's share of the query group.
  Value firstRow =
      kb.add(firstRowOfGroup(kb, shape, batch, kvHead),
             kb.mul(kb.remu(cluster, kb.idx(rowGroups)), kb.idx(geo.group)));
  kb.ifThenElse(
      isFullAttention(kb, info, args), TypeRange{},
      [&]() -> SmallVector<Value> {
        kb.forLoop(rank, kb.idx(geo.group), kb.idx(geo.clusterSize),
                   [&](Value r) {
          emitFullAttentionRow(kb, info, args, kb.add(firstRow, r));
        });
        return {};
      },
      [&]() -> SmallVector<Value> {
        Value indexed = kb.sub(args.seqLen, kb.idx(shape.initOffset));
        // Chunks are whole multiples of 16 keys, so each starts a code item.
        Value even = kb.divu(kb.add(indexed, kb.idx(geo.clusterSize - 1)),
                             kb.idx(geo.clusterSize));
        Value perChunk =
            kb.mul(kb.divu(kb.add(even, kb.idx(15)), kb.idx(16)), kb.idx(16));
        Chunk chunk;
        chunk.begin = kb.minu(kb.mul(rank, perChunk), indexed);
        chunk.end = kb.minu(kb.add(chunk.begin, perChunk), indexed);
        chunk.count = kb.sub(chunk.end, chunk.begin);
        chunk.stride = perChunk;
        const bool selects = info.heavy > 0;

        if (selects) {
          kb.forEachThread(kb.idx(geo.group * kScoreBins),
                           [&](Value i) { kb.store(kb.i32(0), views.bins, i); });
          kb.forEachThread(kb.idx(geo.group * kExchangeWords), [&](Value i) {
            kb.store(kb.i32(0), views.exchange, i);
          });
        }
        // The cluster builds one table: each CTA loads its slice of the
        // centroid rows and stores its entries into every CTA's table. The
        // first round of new keys is measured on the same slices, combined
        // by rank 0; later rounds are shared out over the cluster by key.
        LutSharing sharing{rank, geo.clusterSize, {}, {}};
        for (int64_t p = 0; p < geo.clusterSize; ++p) {
          sharing.peers.push_back(kb.peerView(views.lut, kb.idx(p)));
        }
        FreshKeys fresh = freshKeys(kb, args, kb.idx(0), indexed);
        FreshKeys fused = fusedRound(kb, fresh);
        if (info.quantize) {
          sharing.ownerPartials = kb.peerView(views.quantizeBits, kb.idx(0));
        }
        kb.clusterArrive();
        emitCentroidPass(kb, info, args, views, batch, kvHead,
                         info.quantize ? &fused : nullptr, &sharing, firstRow);
        timers.mark("tables");
        if (info.quantize) {
          kb.ifThen(kb.cmp(CmpIPredicate::eq, rank, kb.idx(0)), [&] {
            emitFusedCodes(kb, info, args, views, batch, kvHead, fused);
          });
          kb.barrier();
          FreshKeys rest = afterFusedRound(kb, fresh);
          Value perRank =
              kb.divu(kb.add(rest.count, kb.idx(geo.clusterSize - 1)),
                      kb.idx(geo.clusterSize));
          Value skip = kb.minu(kb.mul(rank, perRank), rest.count);
          Value mine = kb.minu(perRank, kb.sub(rest.count, skip));
          emitQuantize(kb, info, args, views, batch, kvHead,
                       {kb.add(rest.first, skip), mine});
          // A new key below the window start is scored, maybe by another
          // CTA: its code must be in memory first. (Decode steps quantize
          // keys inside the window, whose scores are masked.)
          Value windowStart =
              kb.maxs(kb.sub(indexed, kb.idx(info.window)), kb.idx(0));
          kb.ifThen(kb.cmp(CmpIPredicate::ult, args.numCached, windowStart),
                    [&] { kb.clusterBarrier(); });
          timers.mark("quantized");
        }
        if (selects) {
          emitRowBounds(kb, info, views, geo);
          timers.mark("bounds");
        }
        // The histogram while scoring: a row's bin map is read once per
        // item, and each real key costs an FMA, a clamp and an atomic.
        ScoreHook countBin;
        countBin.row = [&](Value r) -> SmallVector<Value> {
          return {asF32(kb, kb.load(views.rows, rowWord(kb, r, kRowBinScale))),
                  asF32(kb, kb.load(views.rows, rowWord(kb, r, kRowBinBias))),
                  kb.mul(r, kb.idx(kScoreBins))};
        };
        countBin.key = [&](Value, ValueRange row, Value score, Value key,
                           Value stored) {
          Value real = kb.andI1(
              stored, kb.cmp(CmpIPredicate::ne, key, kb.i32(maskedKey())));
          kb.ifThen(real, [&] {
            Value bin = binOf(kb, score, row[0], row[1]);
            kb.atomicAdd(kb.i32(1), views.bins,
                         kb.add(row[2], kb.toIndex(bin)));
          });
        };
        emitScoreKeys(kb, info, args, views, batch, kvHead, chunk.begin,
                      chunk.end, indexed,
                      {views.keys, kb.sub(kb.idx(0), chunk.begin),
                       geo.chunkCapacity, /*inGlobalMemory=*/false},
                      selects ? countBin : ScoreHook());
        timers.mark("scored");
        if (selects) {
          kb.clusterBarrier(); // histograms complete everywhere
          timers.mark("histograms_synced");
          emitReduceSlice(kb, views, geo, rank);
          timers.mark("slice_reduced");
          kb.clusterBarrier(); // slices reduced
          timers.mark("slices_synced");
          emitThresholdBins(kb, info, views, geo);
          timers.mark("threshold_bins");
          emitBinSweep(kb, views, args, geo, chunk, firstRow);
          timers.mark("bin_sweep");
          kb.clusterBarrier(); // candidates and bin-sweep totals published
          timers.mark("candidates_synced");
          emitExactThresholds(kb, info, views, args, geo, firstRow);
          timers.mark("exact_thresholds");
          emitClusterKeptLists(kb, info, args, views, geo, chunk, rank,
                               firstRow, timers);
          timers.mark("written");
          kb.clusterWait(); // peers may read this CTA's memory until here
          timers.mark("end");
        } else {
          // k = 0: nothing is kept, no CTA needs another's counts.
          kb.barrier();
          kb.forLoop(kb.idx(0), kb.idx(geo.group), kb.idx(1), [&](Value r) {
            Value row = kb.add(firstRow, r);
            RowGeometry g = rowGeometry(kb, info, args, row);
            KeyRange range{views.keys, kb.mul(r, kb.idx(geo.chunkCapacity)),
                           chunk.count, chunk.begin, /*vectorLoads=*/true};
            emitCountKept(kb, range, noneKept(kb), views.warpTotals, kb.idx(0));
            kb.barrier();
            emitWriteKept(kb, info, args, range, g, noneKept(kb),
                          views.warpTotals, kb.idx(0), kb.i32(0), kb.i32(0));
            kb.ifThen(kb.cmp(CmpIPredicate::eq, rank, kb.idx(0)),
                      [&] { emitListEnds(kb, info, args, g, row); });
            kb.barrier();
          });
        }
        return {};
      });
  timers.attach(func);
  return {func};
}
