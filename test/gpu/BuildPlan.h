//===- BuildPlan.h - Which index builds the GPU tests run -------*- C++ -*-===//
//
// For a bundle with the index build (docs/BUILD.md, the bundle's "build"
// entry): a few seeded build cases -- n = C, a small n, a mid n, n =
// max_seq_len - init_offset when the CPU reference can afford it; T = 0, 1
// and 10; initial indices from the caller or drawn by the kernels; random
// keys and clustered keys (one well-separated cluster per centroid, seeded
// with one point of each) -- and the host side of each case: its inputs and
// the CPU reference's build with the same initial indices. Pure host code.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_GPU_BUILDPLAN_H
#define PQ_TEST_GPU_BUILDPLAN_H

#include "Plan.h"

#include "pqhost/StepBuffers.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pqgpu {

enum class BuildData {
  Random,    // normal(0, 1) keys
  Clustered, // fillClusteredKeys with C centers: point j of center j mod C
};

enum class BuildInit {
  Device, // initial_indices NULL: the kernels draw them by the seeded rule
  Given,  // uploaded by the caller (clustered: 0 .. C-1, one per cluster)
};

struct BuildCaseSpec {
  std::string label; // "n=C", "small", "clustered", "mid", "max", "steps"
  int64_t batch = 1;
  int64_t seqLen = 0;     // sk of the build: n = sk - init_offset keys
  int64_t kmeansIter = 0; // T
  BuildInit init = BuildInit::Device;
  BuildData data = BuildData::Random;
  uint64_t seed = 0;      // inputs, and the seed of the kernels' draw
  int64_t keyExtra = 0;   // key_capacity = the last sk + keyExtra
  int64_t codeExtra = 0;  // code_capacity = the last n + codeExtra
  bool iterations = true; // pass the iterations output
  bool determinism = false; // + 10 more runs, bitwise identical
  /// + the same build with the kernels' draw replaced by the host's
  /// (pqrt::initialIndices): bitwise identical. Device init only.
  bool seeded = false;
  /// GPU steps after the build, each with new keys: sk + 1, sk + 2, sk + 6.
  std::vector<int64_t> stepSeqLens;

  int64_t indexedKeys(const pqrt::StepConfig &config) const;
  int64_t lastSeqLen() const;
  /// "clustered b=1 n=356 T=10 given clustered seed=..."
  std::string describe(const pqrt::StepConfig &config) const;
};

/// Reference multiply-adds of a build: (T + 2) * b * h_kv * S * n * C * ds'.
double buildCost(const pqrt::StepConfig &config, int64_t batch, int64_t n,
                 int64_t kmeansIter);

/// The cases for `facts` (empty when max_seq_len - init_offset < C: no
/// build is possible); batches at most `maxBatch` (or the static batch);
/// each case within `budget` reference multiply-adds (n, then T shrink).
std::vector<BuildCaseSpec> planBuildCases(const BundleFacts &facts,
                                          const std::string &bundleName,
                                          int64_t maxBatch,
                                          const PlanOptions &options,
                                          double budget);

/// A case's host side: the inputs (in `host`, whose centroids, phi and
/// codebook the build overwrites) and the reference's build.
struct PreparedBuild {
  BuildCaseSpec spec;
  std::unique_ptr<pqrt::StepBuffers> host; // inputs; config with capacities
  std::vector<int64_t> initial;  // Given: the indices; Device: the host's
                                 // draw of the same rule (seeded check)
  std::vector<uint8_t> centroids, codebook; // the reference's outputs
  std::vector<float> phi;
  int64_t iterations = 0;
  std::string error; // preparation failed
};

PreparedBuild prepareBuild(const pqrt::StepConfig &base,
                           const BuildCaseSpec &spec);

} // namespace pqgpu

#endif // PQ_TEST_GPU_BUILDPLAN_H
