//===- BuildChecks.h - The GPU tests of the index build ---------*- C++ -*-===//
//
// For a bundle with the index build (pqrt_indexer_build), over the cases of
// BuildPlan.h:
// - build: against the CPU reference's build with the same initial indices
//   (pqhost::compareBuild: phi and iterations equal, codes equal except
//   near-ties judged with the GPU's centroids, centroids within 1e-5 where
//   no code differed; a run that diverged after an earlier near-tie (T >= 1)
//   is judged on its own centroids and its reconstruction error, within 1%
//   of the reference's -- such builds are counted in the report),
//   num_cached = n, spare codebook rows and an iterations output not asked
//   for untouched;
// - build-determinism: 10 more runs bitwise identical;
// - build-seeded: the kernels' draw of the initial indices (NULL) equals
//   the host's pqrt::initialIndices uploaded, bitwise;
// - build-steps: GPU steps with new keys on the GPU-built index equal the
//   CPU reference's steps on the same (downloaded) index;
// - build-validation: rejected builds return PQRT_INVALID_ARGUMENT as
//   pqrt_bundle_validate_build does, name the argument, and write nothing
//   (centroids, phi, codebook, iterations, num_cached).
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_GPU_BUILDCHECKS_H
#define PQ_TEST_GPU_BUILDCHECKS_H

#include "Harness.h"

namespace pqgpu {

/// Every build check of `bundle` on `backend` through `runner` (an indexer
/// of max batch `maxBatch`), appended to `report`.
void runBuildChecks(Backend &backend, const pqrt::Bundle &bundle,
                    const BundleFacts &facts, Runner &runner,
                    int64_t maxBatch, const HarnessOptions &options,
                    BundleReport &report);

} // namespace pqgpu

#endif // PQ_TEST_GPU_BUILDCHECKS_H
