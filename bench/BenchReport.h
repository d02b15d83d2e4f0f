//===- BenchReport.h - pq-bench's table and JSON ----------------*- C++ -*-===//

#ifndef PQ_BENCH_BENCHREPORT_H
#define PQ_BENCH_BENCHREPORT_H

#include "StepBench.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace pqbench {

/// What the whole run measured on.
struct RunInfo {
  std::string device;
  int sm = 0;
  double bandwidthTbps = 0;
  std::string bandwidthSource; // "measured" or "given"
  std::string gpuTiming;       // how events were enqueued (gated or why not)
  BenchSettings settings;
};

/// One line per bundle: check, the n_cached = n timings, the GPU time of
/// each other column, the floor and the ratio of GPU time to it, and the
/// launch overheads with their ratio; then every failure's message.
void printTable(std::FILE *out, const RunInfo &info,
                const std::vector<BundleResult> &results);

/// The same and more as JSON (bench/compare.py and bench/plot_sweep.py read
/// it): per row a "new<k>" object per column, "minimal" and "launch_ratio"
/// when the minimal launch ran; NaN becomes null.
nlohmann::json toJson(const RunInfo &info,
                      const std::vector<BundleResult> &results);

/// toJson, written to `path`.
pqrt::Status writeJson(const std::string &path, const RunInfo &info,
                       const std::vector<BundleResult> &results);

} // namespace pqbench

#endif // PQ_BENCH_BENCHREPORT_H
