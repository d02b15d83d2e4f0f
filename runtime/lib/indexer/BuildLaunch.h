//===- BuildLaunch.h - Checking and packing one index build -----*- C++ -*-===//
//
// The device-independent half of Indexer::build (docs/BUILD.md, the
// bundle's "build" entry), as pure functions like Launch.h's: validation
// (the reference's validateBuild, without reading the initial indices, plus
// the module's limits), buffer element counts, parameter packing and the
// launch order: the prologue kernels with iteration 0, the iteration
// kernels T times with iteration k, the epilogue kernels with iteration T.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_INDEXER_BUILDLAUNCH_H
#define PQRT_LIB_INDEXER_BUILDLAUNCH_H

#include "Launch.h"
#include "pqrt/Build.h"

#include <cstdint>

namespace pqrt {
namespace indexer {

/// One build call: the per-call sizes plus the build's pointers. Buffers,
/// `initial` and `iterations` are device pointers (either may be null:
/// the kernels then draw the initial indices by docs/BUILD.md's seeded rule,
/// and do not report the iterations); numCached is a host pointer, set to n
/// after the launches.
struct BuildRunArgs {
  int64_t batch = 0;
  int64_t keyCapacity = 0;  // rows per (b, kv) of the key cache
  int64_t codeCapacity = 0; // rows of the codebook (n_max)
  BuildArgs build;
};

/// Every rule a build call must satisfy, checked without reading device
/// memory: Unsupported when the module has no "build" entry; the module's
/// batch and max_seq_len; validateBuild's rules (the initial indices are not
/// read: out-of-range indices are reduced modulo n on the device and
/// duplicates taken as given). Fills the element counts on success.
Status validateBuildRun(const bundle::Bundle &bundle, int64_t maxBatch,
                        const BuildRunArgs &args, BufferSizes &sizes);
Status validateBuildRun(const bundle::Bundle &bundle, int64_t maxBatch,
                        const BuildRunArgs &args);

/// Packs the build's parameter list for a validated call (iteration 0;
/// PackedParams::setIteration changes it between launches). `workspace` is
/// the indexer's buffer.
void packBuildParams(const bundle::Bundle &bundle, const BuildRunArgs &args,
                     const BufferSizes &sizes, uint64_t workspace,
                     PackedParams &out);

/// Calls `launch(kernelIndex, iteration)` (returning a Status) for every
/// launch of a build of `kmeansIter` iterations, in order; stops at the
/// first error. The kernels are listed by phase (the parser enforces it).
template <typename Launch>
Status forEachBuildLaunch(const bundle::BuildSpec &build, int64_t kmeansIter,
                          Launch launch) {
  using bundle::BuildPhase;
  const size_t count = build.kernels.size();
  size_t first = 0; // of the iteration kernels
  size_t last = 0;  // one past them
  while (first < count && build.kernels[first].phase == BuildPhase::Prologue) {
    ++first;
  }
  last = first;
  while (last < count && build.kernels[last].phase == BuildPhase::Iteration) {
    ++last;
  }
  Status status = Status::success();
  for (size_t i = 0; status.ok() && i < first; ++i) {
    status = launch(i, int64_t(0));
  }
  for (int64_t k = 0; status.ok() && k < kmeansIter; ++k) {
    for (size_t i = first; status.ok() && i < last; ++i) {
      status = launch(i, k);
    }
  }
  for (size_t i = last; status.ok() && i < count; ++i) {
    status = launch(i, kmeansIter);
  }
  return status;
}

} // namespace indexer
} // namespace pqrt

#endif // PQRT_LIB_INDEXER_BUILDLAUNCH_H
