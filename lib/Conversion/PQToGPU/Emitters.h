//===- Emitters.h - The phases of a pq kernel -------------------*- C++ -*-===//
//
// Each function emits one phase of SEMANTICS.md into the kernel body being
// built; RowKernel.cpp and SplitKernels.cpp compose them per strategy.
// Indices are `index` values; b is the batch entry, g the kv head.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_PQTOGPU_EMITTERS_H
#define LIB_CONVERSION_PQTOGPU_EMITTERS_H

#include "KernelABI.h"
#include "KernelBuilder.h"

#include <functional>

namespace mlir::pq {

/// Typed views of a kernel's dynamic shared memory (SharedMemoryPlan).
struct SharedViews {
  Value query, lut, keys, hist, scalars, scan;
  /// The quantize region as f32 and as i32 (QuantizeScratch).
  Value quantize, quantizeBits;
  /// The keys region as f32 [centroidTileRows][centroidPitch] before
  /// scoring (CentroidTiles.h).
  Value centroidTile;
  int64_t centroidTileRows = 0;
  // `cluster` only:
  Value bins, slice, exchange, rows, warpTotals;
};
SharedViews createSharedViews(KernelBuilder &kb, const SharedMemoryPlan &plan);

/// New keys of kv head g a CTA quantizes: indexed positions
/// [first, first + count).
struct FreshKeys {
  Value first, count;
};
/// The keys of [max(begin, num_cached), end).
FreshKeys freshKeys(KernelBuilder &kb, const KernelArgs &args, Value begin,
                    Value end);
/// The first kQuantizeKeys of them (quantized by emitCentroidPass) and the
/// rest (by emitQuantize).
FreshKeys fusedRound(KernelBuilder &kb, const FreshKeys &fresh);
FreshKeys afterFusedRound(KernelBuilder &kb, const FreshKeys &fresh);

/// NaN never beats a real distance: it becomes +inf.
Value nanToInf(KernelBuilder &kb, Value value);
/// Keeps (distance, code) pairs ordered as the reference's argmin does:
/// the smaller distance, then the lower centroid.
std::pair<Value, Value> closer(KernelBuilder &kb, Value distance, Value code,
                               Value otherDistance, Value otherCode);

/// Quantizes `fresh` into the codebook, kQuantizeKeys keys a round, each
/// round one pass over the staged centroid tiles. Barriers inside.
void emitQuantize(KernelBuilder &kb, const StepInfo &info,
                  const KernelArgs &args, const SharedViews &views,
                  Value batch, Value kvHead, const FreshKeys &fresh);

/// A cluster building one lookup table together: CTA `rank` computes the
/// entries of its clusterCentroidSlice of the (s, c) rows and stores them
/// into every CTA's table (`peers`: views.lut mapped into each CTA by
/// peerView); its partial argmins go to rank 0 (`ownerPartials`: rank 0's
/// views.quantizeBits).
struct LutSharing {
  Value rank;
  int64_t clusterSize;
  SmallVector<Value> peers;
  Value ownerPartials;
};

/// The centroid pass: loads the CTA's query rows as f32 (shape.rows() rows
/// from `firstRow`; null: the group's first) and builds
/// T[r][s][c] in shared memory from the staged centroid tiles; with `fused`
/// (at most kQuantizeKeys keys), also leaves their partial argmins in the
/// quantize region (rank 0's in a cluster) for emitFusedCodes. Ends with a
/// barrier; with `sharing`, with a cluster barrier (every CTA of the
/// cluster must call it), having first waited for the cluster to start.
void emitCentroidPass(KernelBuilder &kb, const StepInfo &info,
                      const KernelArgs &args, const SharedViews &views,
                      Value batch, Value kvHead, const FreshKeys *fused,
                      const LutSharing *sharing = nullptr,
                      Value firstRow = Value());
/// After the centroid pass, by the CTA holding the partials: the codes of
/// the fused round. No barrier.
void emitFusedCodes(KernelBuilder &kb, const StepInfo &info,
                    const KernelArgs &args, const SharedViews &views,
                    Value batch, Value kvHead, const FreshKeys &fused);

/// A CTA's table and the codes of its new keys [max(begin, num_cached),
/// end): the centroid pass with the first round fused, then the rest.
/// Ends with a barrier.
void emitTableAndCodes(KernelBuilder &kb, const StepInfo &info,
                       const KernelArgs &args, const SharedViews &views,
                       Value batch, Value kvHead, Value begin, Value end);

/// Where the key of (query head r of the group, position j) goes:
/// memref[base + r * rowStride + j]. base and rowStride are multiples of 4.
struct KeyDestination {
  Value memref;
  Value base;
  int64_t rowStride;
  /// A caller's buffer, whose 16-byte alignment is checked at run time
  /// (shared memory views are aligned by construction).
  bool inGlobalMemory;
};

/// What emitScoreKeys calls for the keys it computes. `row` runs once per
/// (item, row of the group) and returns values `key` then reads (a row's bin
/// map, say: loaded once per item, not once per key); `key` gets row r of
/// the group (index), those values, the fp32 score, the key stored for it
/// (maskedKey() in the window) and whether it is stored at all (i1: false
/// past the range's end).
struct ScoreHook {
  std::function<SmallVector<Value>(Value r)> row;
  std::function<void(Value r, ValueRange rowValues, Value score, Value key,
                     Value stored)>
      key;
  explicit operator bool() const { return static_cast<bool>(key); }
};

/// For every indexed j in [begin, end) and every query head r of the group,
/// computes the fp32 score from the codes and the table, masks the window
/// (j >= max(indexed - window, 0)), and
/// stores its order-preserving key to `dest`. Codes are read in 16-byte
/// loads where alignment allows (CodeReader).
void emitScoreKeys(KernelBuilder &kb, const StepInfo &info,
                   const KernelArgs &args, const SharedViews &views,
                   Value batch, Value kvHead, Value begin, Value end,
                   Value indexed, const KeyDestination &dest,
                   const ScoreHook &hook = {});

/// The order-preserving key of masked positions (that of -inf); NaN scores
/// get it too.
int64_t maskedKey();
/// The fp32 score of a key that is not maskedKey() (inverse of the order).
Value scoreOfKey(KernelBuilder &kb, Value key);

/// Writes row `row` (= b * h + head) on the full-attention path.
void emitFullAttentionRow(KernelBuilder &kb, const StepInfo &info,
                          const KernelArgs &args, Value row);

/// Values of one row (b * h + head) every thread agrees on.
struct RowGeometry {
  Value seqLen, indexed, windowStart;
  Value sinkCount, windowCount, total;
  Value listBase, weightBase;
  /// i1: position p is in the sink or the window part of the list.
  Value listed(KernelBuilder &kb, Value p) const {
    return kb.orI1(kb.cmp(arith::CmpIPredicate::ult, p, sinkCount),
                   kb.cmp(arith::CmpIPredicate::uge, p, windowStart));
  }
};
RowGeometry rowGeometry(KernelBuilder &kb, const StepInfo &info,
                        const KernelArgs &args, Value row);

/// Where a count crosses: the bin holding the `remaining`-th largest key of
/// a histogram (higher bins hold larger keys). Valid on the lane where
/// `crosses` holds; `above` counts the keys of the higher bins. `total` (every
/// lane) counts all keys.
struct Crossing {
  Value crosses, bin, above, count, total;
};
/// Run by one whole warp over `bins` counts, `countOf(bin)` (an index ->
/// i32) read by the lane that owns the bin.
Crossing emitWarpCrossing(KernelBuilder &kb, int64_t bins,
                          function_ref<Value(Value)> countOf, Value remaining);

/// The heavy set of a row: every key whose `mask`ed bits are above
/// `threshold`, and the first `keepEqual` keys (in index order) whose masked
/// bits equal it.
struct Threshold {
  Value threshold, mask, keepEqual;
};
/// MSD radix select of the `remaining`-th largest of keys[base + j], j <
/// count (CTA-wide, barriers inside). The passes stop once the threshold's
/// bin holds exactly the keys still to take (the mask then covers only the
/// digits found).
Threshold emitRadixSelect(KernelBuilder &kb, const SharedViews &views,
                          Value keys, Value base, Value count,
                          Value remaining);
/// The same, by one warp alone (no CTA barrier): `hist[histBase ..
/// histBase + 256)` is the warp's own shared scratch. Always exact (all four
/// digits). For short key lists, such as a bin's candidates.
Threshold emitWarpRadixSelect(KernelBuilder &kb, Value hist, Value histBase,
                              Value keys, Value base, Value count,
                              Value remaining);
/// The candidates a warp rank-selects instead (kWarpRankKeys at most).
constexpr int64_t kWarpRankKeys = 64;
/// The same threshold by one warp from at most kWarpRankKeys keys, by
/// ranks: lane l holds keys l and l + 32 and counts, through shuffles, the
/// keys above and equal to each; no shared scratch and no passes.
Threshold emitWarpRankSelect(KernelBuilder &kb, Value keys, Value base,
                             Value count, Value remaining);
/// The value of the one lane where `flag` holds (0 when none does).
Value fromFlaggedLane(KernelBuilder &kb, Value flag, Value value);
/// The threshold when k = 0.
Threshold noneKept(KernelBuilder &kb);

/// keys[base + j], j in [0, count), for indexed positions firstIndex + j.
struct KeyRange {
  Value keys, base, count, firstIndex;
  /// keys is shared memory whose rows hold whole multiples of 4 keys from a
  /// 16-byte boundary (base a multiple of 4): the count sweep reads 16
  /// bytes a lane.
  bool vectorLoads = false;
};
/// Keys per lane per step of the emission sweeps (loads in flight).
constexpr int64_t kKeptUnroll = 4;
/// The emission sweeps' partition of a range of `count` keys: warp w takes
/// [w * size, (w + 1) * size) clipped to count, size a multiple of
/// 32 * kKeptUnroll.
struct WarpChunk {
  Value begin, end, size;
};
WarpChunk warpChunk(KernelBuilder &kb, Value count);
/// Emission sweep 1: each warp counts the keys of its contiguous chunk of
/// the range above and equal to the threshold and stores them at
/// totals[totalsBase + warp] and totals[totalsBase + warps + warp].
void emitCountKept(KernelBuilder &kb, const KeyRange &range,
                   const Threshold &t, Value totals, Value totalsBase);
/// Folds the (greater, equal) counts of parts 0 .. parts - 1 that come
/// before `part` into (keptBefore, equalBefore): equal keys are kept while
/// the keepEqual budget lasts.
std::pair<Value, Value>
emitKeptBefore(KernelBuilder &kb, int64_t parts,
               function_ref<Value(int64_t)> greaterOf,
               function_ref<Value(int64_t)> equalOf, Value part,
               Value keepEqual, Value keptBefore, Value equalBefore);
/// Emission sweep 2 (after a barrier on the totals): writes the kept
/// positions of the range in ascending order after `keptBefore` heavy
/// entries of the row, and the weight of every position of the range.
/// `keptBefore`/`equalBefore` count what earlier CTAs keep and pass.
void emitWriteKept(KernelBuilder &kb, const StepInfo &info,
                   const KernelArgs &args, const KeyRange &range,
                   const RowGeometry &g, const Threshold &t, Value totals,
                   Value totalsBase, Value keptBefore, Value equalBefore);
/// The sink and window parts of the row's list, its sparse_len and the
/// weights of the positions before init_offset.
void emitListEnds(KernelBuilder &kb, const StepInfo &info,
                  const KernelArgs &args, const RowGeometry &g, Value row);

/// Selects the heavy set from keys[base + j], j in [0, n), and writes row
/// `row`'s sparse_list, sparse_len and weight_list.
void emitSelectRow(KernelBuilder &kb, const StepInfo &info,
                   const KernelArgs &args, const SharedViews &views,
                   Value keys, Value base, Value row);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_EMITTERS_H
