//===- StepBench.h - Time and check one bundle on the GPU -------*- C++ -*-===//
//
// One bundle at its benchmark call (b, sk): random inputs, then one column
// per count of new keys to quantize (n_cached = n - k for k in newKeys),
// each checked against the CPU reference before and after its timings:
//   gpu   CUDA events around `iters` back-to-back launches, per launch,
//         median over `reps` repetitions (`newKeyReps` when k > 0);
//   wall  one launch + cuStreamSynchronize on the host clock, median of
//         `wallIters`;
//   graph the step captured once into a CUDA graph and replayed: median
//         wall per replay (+ sync) and event time per back-to-back replay.
// Then the minimal launch: the same bundle at sk = 1, where every kernel of
// the step launches on its full grid and takes the full-attention path
// (SEMANTICS.md step 1), timed by gpu and wall. Its wall - gpu is what a
// launch costs the host at the least; a step's own wall - gpu should be no
// more (the launch ratio).
//
//===----------------------------------------------------------------------===//

#ifndef PQ_BENCH_STEPBENCH_H
#define PQ_BENCH_STEPBENCH_H

#include "Bandwidth.h"
#include "BenchIndex.h"
#include "pqhost/Cuda.h"
#include "Timing.h"

#include <string>
#include <vector>

namespace pqbench {

/// sk of the minimal launch: the smallest call, on the full-attention path.
constexpr int64_t kMinimalSeqLen = 1;

struct BenchSettings {
  int64_t iters = 200;                       // launches per event repetition
  int64_t reps = 7;                          // event repetitions
  int64_t newKeyReps = 3;                    // the same, columns with k > 0
  int64_t wallIters = 200;                   // host-timed launches
  std::vector<int64_t> newKeys = {0, 1, 64}; // one column each
  bool graph = true;                         // time CUDA-graph replays
  bool minimal = true;                       // time the minimal launch
  uint64_t seed = 0;
  double bandwidthTbps = 0;
};

/// Microseconds per step; NaN where not measured.
struct ColumnTimes {
  int64_t newKeys = 0; // keys the step quantizes (n - n_cached)
  double hostUs = kNotMeasured; // host clock of one enqueue (pqrt_indexer_run)
  double gpuUs = kNotMeasured, wallUs = kNotMeasured,
         graphWallUs = kNotMeasured, graphGpuUs = kNotMeasured;
  std::string check = "-";  // PASS, FAIL, or - when it did not run
  std::string checkMessage; // why it failed
  std::string graphError;   // why the graph timings are missing
};

struct BundleResult {
  BenchEntry entry;
  std::string strategy, image;
  int kernels = 0;
  int64_t n = 0, total = 0;
  Floor floor;
  std::vector<ColumnTimes> columns; // BenchSettings::newKeys' order
  ColumnTimes minimal;              // at kMinimalSeqLen; no graph timings
  std::string error; // why the bundle could not be (fully) benchmarked

  /// The column with `newKeys` new keys, or null.
  const ColumnTimes *column(int64_t newKeys) const;
};

/// wall - gpu: what a launch and its sync add to the step's device time.
double launchOverheadUs(const ColumnTimes &times);

/// The step's launch overhead (0 new keys) over the minimal launch's; NaN
/// when either is missing or the minimal one is not positive.
double launchRatio(const BundleResult &result);

/// PASS when every check that ran passed (and one did), FAIL when one
/// failed, ERROR when the bundle could not be benchmarked, else -.
std::string overallCheck(const BundleResult &result);

/// Benchmarks `entry` on `device` (its primary context current) on `stream`,
/// event timings behind `gate` when it is ready (Timing.h). An error leaves
/// the columns measured so far.
pqrt::Status benchBundle(const BenchEntry &entry, const BenchSettings &settings,
                         const pqhost::Device &device,
                         const pqhost::Stream &stream, pqhost::Gate *gate,
                         BundleResult &result);

} // namespace pqbench

#endif // PQ_BENCH_STEPBENCH_H
