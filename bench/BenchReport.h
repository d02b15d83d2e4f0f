//===- BenchReport.h - pq-bench's table and JSON ----------------*- C++ -*-===//

#ifndef PQ_BENCH_BENCHREPORT_H
#define PQ_BENCH_BENCHREPORT_H

#include "StepBench.h"

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
  BenchSettings settings;
};

/// One line per bundle: check, the n_cached = n timings, the one-new-key GPU
/// time, the floor and the ratio of GPU time to it.
void printTable(std::FILE *out, const RunInfo &info,
                const std::vector<BundleResult> &results);

/// The same as JSON (bench/compare.py reads it); NaN becomes null.
pqrt::Status writeJson(const std::string &path, const RunInfo &info,
                       const std::vector<BundleResult> &results);

} // namespace pqbench

#endif // PQ_BENCH_BENCHREPORT_H
