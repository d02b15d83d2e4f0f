//===- StepBench.h - Time and check one bundle on the GPU -------*- C++ -*-===//
//
// One bundle at its benchmark call (b, sk): random inputs, one checked run
// against the CPU reference per column, then three timings of the step per
// column -- n_cached = n (nothing to quantize) and n - 1 (one new key):
//   gpu   CUDA events around `iters` back-to-back launches, per launch,
//         median over `reps` repetitions;
//   wall  one launch + cuStreamSynchronize on the host clock, median of
//         `wallIters`;
//   graph the step captured once into a CUDA graph and replayed: median
//         wall per replay (+ sync) and event time per back-to-back replay.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_BENCH_STEPBENCH_H
#define PQ_BENCH_STEPBENCH_H

#include "Bandwidth.h"
#include "BenchIndex.h"
#include "CudaHost.h"

#include <string>

namespace pqbench {

constexpr double kNotMeasured = __builtin_nan("");

struct BenchSettings {
  int64_t iters = 200;     // launches per event-timed repetition
  int64_t reps = 7;        // event-timed repetitions
  int64_t wallIters = 200; // host-timed launches
  uint64_t seed = 0;
  double bandwidthTbps = 0;
};

/// Microseconds per step; NaN where not measured.
struct ColumnTimes {
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
  ColumnTimes noNewKey, oneNewKey;
  std::string error; // why the bundle could not be (fully) benchmarked
};

/// Benchmarks `entry` on `device` (its primary context current) on `stream`.
/// Checks run before and after each column's timings (the latter sees the
/// last graph replay's outputs). An error leaves the columns measured so far.
pqrt::Status benchBundle(const BenchEntry &entry, const BenchSettings &settings,
                         const pqrun::cuda::Device &device,
                         const pqrun::cuda::Stream &stream,
                         BundleResult &result);

} // namespace pqbench

#endif // PQ_BENCH_STEPBENCH_H
