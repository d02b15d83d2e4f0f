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

namespace mlir::pq {

/// Typed views of a kernel's dynamic shared memory (SharedMemoryPlan).
struct SharedViews {
  Value query, lut, keys, hist, scalars, scan;
};
SharedViews createSharedViews(KernelBuilder &kb, const SharedMemoryPlan &plan);

/// Quantizes the keys at indexed positions [max(begin, num_cached), end) of
/// kv head g into the codebook: up to four warps per (key, subspace), their
/// partial argmins combined through `views.hist`. Barriers inside.
void emitQuantize(KernelBuilder &kb, const StepInfo &info,
                  const KernelArgs &args, const SharedViews &views,
                  Value batch, Value kvHead, Value begin, Value end);

/// Loads the group's queries as f32 and builds T[r][s][c] in shared memory.
/// Ends with a barrier.
void emitLookupTable(KernelBuilder &kb, const StepInfo &info,
                     const KernelArgs &args, const SharedViews &views,
                     Value batch, Value kvHead);

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

/// For every indexed j in [begin, end) and every query head r of the group,
/// computes the fp32 score from the codes and the table, masks the window
/// (j >= max(indexed - window, 0)), and
/// stores its order-preserving key to `dest`. Codes are read in 16-byte
/// loads where alignment allows (CodeReader).
void emitScoreKeys(KernelBuilder &kb, const StepInfo &info,
                   const KernelArgs &args, const SharedViews &views,
                   Value batch, Value kvHead, Value begin, Value end,
                   Value indexed, const KeyDestination &dest);

/// Writes row `row` (= b * h + head) on the full-attention path.
void emitFullAttentionRow(KernelBuilder &kb, const StepInfo &info,
                          const KernelArgs &args, Value row);

/// Selects the heavy set from keys[base + j], j in [0, n), and writes row
/// `row`'s sparse_list, sparse_len and weight_list.
void emitSelectRow(KernelBuilder &kb, const StepInfo &info,
                   const KernelArgs &args, const SharedViews &views,
                   Value keys, Value base, Value row);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_EMITTERS_H
