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

  int64_t group() const { return heads / kvHeads; }
  int64_t subDim() const { return headDim / subspaces; }
};

/// Radix select: 8-bit digits, four passes over a 32-bit key.
constexpr int64_t kRadixBits = 8;
constexpr int64_t kRadixBins = int64_t(1) << kRadixBits;
/// Scalars a CTA shares: the selected prefix, the remaining count, ...
constexpr int64_t kSharedScalars = 8;

/// Byte offsets of the regions of a kernel's dynamic shared memory. A region
/// a kernel does not use has size 0 (its offset equals the next one's).
struct SharedMemoryPlan {
  int64_t query = 0;   // f32 [group][head_dim]: the group's queries
  int64_t lut = 0;     // f32 [group][S][C]: T[r][s][c] = q_r,s . centroid
  int64_t keys = 0;    // u32 [group][max indexed]: order-preserving keys
  int64_t hist = 0;    // u32 [kRadixBins]
  int64_t scalars = 0; // u32 [kSharedScalars]
  int64_t scan = 0;    // u32 [threads / 32 + 1]: warp totals of a scan
  int64_t total = 0;
};

/// The `row` kernel: LUT, queries and the keys of every row of the group.
SharedMemoryPlan planRowKernel(const StepShape &shape, int64_t maxSeqLen,
                               int64_t threads);
/// The `split` score kernel: queries and LUT only.
SharedMemoryPlan planSplitScoreKernel(const StepShape &shape, int64_t threads);
/// The `split` select kernel: keys live in the global workspace.
SharedMemoryPlan planSplitSelectKernel(int64_t threads);
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
