//===- KernelPlan.h - Shared-memory plans of the pq kernels -----*- C++ -*-===//
//
// pq-tile decides whether a step fits the `row` strategy from the same
// shared-memory plan that convert-pq-to-gpu lays the kernel out with, so the
// two can never disagree. Sizes are in bytes; every region is 16-byte aligned.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_UTILS_KERNELPLAN_H
#define PQ_UTILS_KERNELPLAN_H

#include <cstdint>

namespace mlir::pq {

/// Static sizes of a step that shape its kernels.
struct StepShape {
  int64_t heads = 0;
  int64_t kvHeads = 0;
  int64_t headDim = 0;
  int64_t subspaces = 0;
  int64_t centroids = 0;
  int64_t initOffset = 0;
  /// Clusters a query group's rows are split over (tiling row_groups).
  int64_t rowGroups = 1;

  int64_t group() const { return heads / kvHeads; }
  /// Query rows one CTA serves: the group, or its share of it.
  int64_t rows() const { return group() / rowGroups; }
  int64_t subDim() const { return headDim / subspaces; }
};

/// Radix select: 8-bit digits, four passes over a 32-bit key.
constexpr int64_t kRadixBits = 8;
constexpr int64_t kRadixBins = int64_t(1) << kRadixBits;
/// Scalars a CTA shares: the selected prefix, the remaining count, ...
constexpr int64_t kSharedScalars = 8;
/// `cluster`: bins of the score histogram of one row (linear in the score
/// between the row's bounds), and the largest cluster (non-portable 16 on
/// sm_90).
constexpr int64_t kScoreBins = 2048;
constexpr int64_t kMaxClusterSize = 16;
/// The most clusters a query group's rows may be split over (the group is
/// at most PQRT_MAX_HEADS rows; more than this never helps a CTA's plan).
constexpr int64_t kMaxRowGroups = 64;
/// pq-tile's choice of a `cluster` size: CTAs are removed while a chunk
/// holds fewer than kPreferredClusterChunk keys (H200: gqa16k at b = 8 took
/// 46 us with chunks of 8128 keys, 147 us with 1024), and never added (to
/// fit shared memory) below kMinClusterChunk; with fewer keys than that in
/// a whole row, `row` and `split` are faster (seed: 14.4 us as `row`, 21.3
/// as a cluster of 4).
constexpr int64_t kPreferredClusterChunk = 8000;
constexpr int64_t kMinClusterChunk = 4096;
/// `cluster`: bins each CTA of a cluster of `clusterSize` reduces: whole
/// warps' worth (32) of one row; the last slices may reach past kScoreBins.
inline int64_t binsPerSlice(int64_t clusterSize) {
  return (kScoreBins + 32 * clusterSize - 1) / (32 * clusterSize) * 32;
}
/// `cluster`: threads an SM runs, as one CTA of 512 or two of 256 (the
/// latter when two CTAs' shared memory fits an SM).
constexpr int64_t kClusterSMThreads = 512;
/// Shared memory two CTAs may take on one SM (228 KB per SM on sm_90, 1 KB
/// of it reserved per CTA).
constexpr int64_t kTwoCTASmem = 228 * 1024 / 2 - 1024;
/// `cluster`: per-row words a CTA keeps for itself (RowWord) and shows its
/// peers (ExchangeWord).
enum RowWord : int64_t {
  kRowBin,         // threshold bin, or -1 when the threshold is the masked key
  kRowAbove,       // keys in the bins above it
  kRowCandidates,  // keys in its bin
  kRowThreshold,   // the k-th largest key
  kRowKeepEqual,   // keys equal to it to keep
  kRowBinScale,    // f32 bits: bins per unit of score
  kRowBinBias,     // f32 bits: -(smallest possible score) * scale
  kRowKeptBefore,  // heavy entries the CTAs before this one keep
  kRowEqualBefore, // threshold-equal keys the CTAs before this one hold
  kRowWords = 10,
};
enum ExchangeWord : int64_t {
  kExchangeSliceTotal, // keys in the bins this CTA reduced
  kExchangeCandidates, // (rank 0) candidates appended so far
  kExchangeGreater,    // keys of this CTA above the threshold
  kExchangeEqual,      // keys of this CTA equal to it
  kExchangeWords = 4,
};

/// New keys quantized together (their distances share each centroid load).
constexpr int64_t kQuantizeKeys = 8;
/// Element offsets (4-byte words) within the quantize region: the staged
/// keys at 0, the augmented coordinates (ip), the partial argmins.
struct QuantizeScratch {
  int64_t augmented = 0;
  int64_t partials = 0;
  int64_t words = 0;
};
QuantizeScratch quantizeScratch(const StepShape &shape);

/// Centroid rows are staged in shared memory before use (the table and the
/// quantize distances read them a thread per row; straight from global
/// memory those reads touch a line per lane: a lone new key cost 5-35 us).
/// Rows lie `centroidPitch` floats apart, an odd count, so a thread per row
/// reads without bank conflicts; tiles reuse the keys region, free until
/// scoring, growing it to at least kCentroidTileBytes or 32 rows.
constexpr int64_t kCentroidTileBytes = 40 * 1024;
inline int64_t centroidPitch(const StepShape &shape) {
  return (shape.subDim() + 1) | 1;
}
/// Rows of the centroid tile of a kernel whose CTAs stage `rowsPerCTA`
/// centroid rows for their table: a multiple of 32, as many as the keys
/// region (`regionBytes`) holds anyway, else enough for `rowsPerCTA` within
/// kCentroidTileBytes (at least 32), never more than S * C.
int64_t centroidTileRows(const StepShape &shape, int64_t rowsPerCTA,
                         int64_t regionBytes);
/// Centroid rows CTA `rank` of a cluster of `clusterSize` builds the table
/// for: whole warps' worth (32) of rows, so argmin segments stay in a CTA.
inline int64_t clusterCentroidSlice(const StepShape &shape,
                                    int64_t clusterSize) {
  int64_t rows = shape.subspaces * shape.centroids;
  return (rows + 32 * clusterSize - 1) / (32 * clusterSize) * 32;
}

/// Byte offsets of the regions of a kernel's dynamic shared memory. A region
/// a kernel does not use has size 0 (its offset equals the next one's).
struct SharedMemoryPlan {
  int64_t query = 0;   // f32 [group][head_dim]: the group's queries
  int64_t lut = 0;     // f32 [group][S][C]: T[r][s][c] = q_r,s . centroid
  int64_t keys = 0;    // u32 [group][max indexed]: order-preserving keys;
                       // before scoring, f32 [tile rows][centroidPitch]
  int64_t hist = 0;    // u32 [kRadixBins]
  int64_t scalars = 0; // u32 [kSharedScalars]
  int64_t scan = 0;    // u32 [threads / 32 + 1]: warp totals of a scan
  int64_t quantize = 0; // QuantizeScratch: new keys being quantized
  // `cluster` only (empty elsewhere):
  int64_t bins = 0;       // u32 [group][kScoreBins]: this CTA's histogram
  int64_t slice = 0;      // u32 [group][kScoreBins / cluster]: reduced bins
  int64_t exchange = 0;   // u32 [group][kExchangeWords]: read by peers
  int64_t rows = 0;       // u32 [group][kRowWords]
  int64_t warpTotals = 0; // u32 [group][2 * warps]: emission counts
  int64_t total = 0;
  int64_t centroidTileRows = 0; // rows of the centroid tile (0: none)
};

/// The `row` kernel: LUT, queries and the keys of every row of the group.
SharedMemoryPlan planRowKernel(const StepShape &shape, int64_t maxSeqLen,
                               int64_t threads);
/// The `split` score kernel: queries and LUT only.
SharedMemoryPlan planSplitScoreKernel(const StepShape &shape, int64_t threads);
/// The `split` select kernel: keys live in the global workspace.
SharedMemoryPlan planSplitSelectKernel(int64_t threads);
/// The `cluster` kernel: a cluster of `clusterSize` CTAs per (kv head,
/// batch), each keeping the keys of every row of the group for its chunk.
SharedMemoryPlan planClusterKernel(const StepShape &shape, int64_t maxSeqLen,
                                   int64_t threads, int64_t clusterSize);
/// Keys of the chunk one CTA of a `cluster` kernel covers: the indexed keys
/// split evenly, rounded up to whole 16-key code items.
int64_t clusterChunk(const StepShape &shape, int64_t maxSeqLen,
                     int64_t clusterSize);
/// CTA size of the `split` select kernel, one CTA per row: twice the score
/// kernel's (up to 1024), so more of the row's keys are in flight from L2.
int64_t splitSelectThreads(int64_t threads);

/// Indexed keys for a sequence bound: max(maxSeqLen - initOffset, 1).
int64_t maxIndexed(const StepShape &shape, int64_t maxSeqLen);
/// Distance in keys between rows of stored keys: maxIndexed rounded up to 4,
/// so every run of 4 keys starting at a multiple of 4 is one 16-byte store.
int64_t keyRowStride(const StepShape &shape, int64_t maxSeqLen);

} // namespace mlir::pq

#endif // PQ_UTILS_KERNELPLAN_H
