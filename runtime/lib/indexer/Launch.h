//===- Launch.h - Checking and packing one step's launch --------*- C++ -*-===//
//
// The device-independent half of Indexer::run, as pure functions so unit
// tests cover every rule and the exact kernel-parameter bytes without a GPU:
// argument validation (the reference's validateStep plus the module's own
// limits), buffer element counts, grid resolution and parameter packing per
// docs/BUNDLE.md "Kernel parameters".
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_INDEXER_LAUNCH_H
#define PQRT_LIB_INDEXER_LAUNCH_H

#include "bundle/Bundle.h"
#include "pqrt/Reference.h"

#include <array>
#include <cstdint>
#include <vector>

namespace pqrt {
namespace indexer {

/// One call: the per-call sizes plus the step's pointers. Buffers are
/// device pointers; numCached is a host pointer, read before the launch and
/// updated after it.
struct RunArgs {
  int64_t batch = 0;
  int64_t keyCapacity = 0;  // rows per (b, kv) of the key cache
  int64_t codeCapacity = 0; // rows of the codebook (n_max)
  StepArgs step;
};

/// Element counts of every buffer parameter for this call (initial and
/// iterations: the build's; 0 for a step).
struct BufferSizes {
  int64_t query = 0, key = 0, centroids = 0, phi = 0, codes = 0;
  int64_t sparseList = 0, sparseLen = 0, weightList = 0, workspace = 0;
  int64_t initial = 0, iterations = 0;
};

/// The module's StepConfig with this call's batch and capacities.
StepConfig callConfig(const bundle::Bundle &bundle, const RunArgs &args);

/// An indexer's max_batch: 0 becomes the module's static batch; otherwise
/// it must lie in [1, PQRT_MAX_BATCH] and match a static batch.
Status resolveMaxBatch(const bundle::Bundle &bundle, int64_t &maxBatch);

/// The module's own limits on a call: batch in [1, maxBatch] and equal to a
/// static batch, sk <= max_seq_len.
Status checkModuleLimits(const bundle::Bundle &bundle, int64_t maxBatch,
                         int64_t batch, int64_t seqLen);

/// Every rule a launch must satisfy (max_batch resolved as above);
/// InvalidArgument naming the argument.
/// Reads *numCached but never dereferences a buffer pointer, so it is safe
/// on device pointers.
Status validateRun(const bundle::Bundle &bundle, int64_t maxBatch,
                   const RunArgs &args);
/// The same, handing back the element counts it computed (run's path).
Status validateRun(const bundle::Bundle &bundle, int64_t maxBatch,
                   const RunArgs &args, BufferSizes &sizes);

/// Element counts; InvalidArgument when one overflows int64.
Status bufferSizes(const bundle::Bundle &bundle, const RunArgs &args,
                   BufferSizes &out);

/// The kernel's grid for this batch; InvalidArgument when a "batch" entry
/// exceeds the dimension's limit or is not a multiple of the cluster size.
Status resolveGrid(const bundle::KernelSpec &kernel, int64_t batch,
                   std::array<uint32_t, 3> &grid);

/// 18 names, memrefs take 5 slots: at most 11 * 5 + 7 = 62 (checked in
/// KernelParams.cpp against KernelParamList.h).
constexpr int kMaxParamSlots = 64;

/// cuLaunchKernel's kernelParams: pointers[i] points at values[i]. Lives on
/// the caller's stack, so run allocates nothing. Not copyable: the pointers
/// refer into the object itself.
struct PackedParams {
  PackedParams() = default;
  PackedParams(const PackedParams &) = delete;
  PackedParams &operator=(const PackedParams &) = delete;

  std::array<uint64_t, kMaxParamSlots> values{};
  std::array<void *, kMaxParamSlots> pointers{};
  int count = 0;
  /// The slot of the "iteration" parameter, -1 when the list lacks it.
  int iterationSlot = -1;

  /// Sets "iteration" for the next launch (cuLaunchKernel copies the
  /// values when it is called, so one packing serves every launch).
  void setIteration(int64_t iteration) {
    if (iterationSlot >= 0) {
      values[iterationSlot] = uint64_t(iteration);
    }
  }
};

/// The value of every kernel parameter of KernelParamList.h in one launch;
/// a list packs the ones it names. Buffers are device pointers (null where
/// the call passes none) with their element counts in `sizes`.
struct LaunchValues {
  const void *query = nullptr, *key = nullptr, *centroids = nullptr,
             *phi = nullptr, *codes = nullptr, *sparseList = nullptr,
             *sparseLen = nullptr, *weightList = nullptr,
             *workspace = nullptr, *initial = nullptr, *iterations = nullptr;
  BufferSizes sizes;
  int64_t seqLen = 0, numCached = 0, keyCapacity = 0, codeCapacity = 0;
  int64_t seed = 0, iteration = 0, kmeansIter = 0;
};

/// Packs `list` (a manifest's parameter list): memref = (ptr, ptr, 0,
/// elements, 1), i64 = value.
void packLaunch(const std::vector<bundle::ParamName> &list,
                const LaunchValues &values, PackedParams &out);

/// Packs the module's step parameter list for a validated call.
/// `workspace` is the indexer's buffer.
void packParams(const bundle::Bundle &bundle, const RunArgs &args,
                const BufferSizes &sizes, uint64_t workspace,
                PackedParams &out);

} // namespace indexer
} // namespace pqrt

#endif // PQRT_LIB_INDEXER_LAUNCH_H
