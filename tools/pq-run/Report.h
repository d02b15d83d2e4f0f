//===- Report.h - What pq-run prints ----------------------------*- C++ -*-===//

#ifndef PQ_TOOLS_PQRUN_REPORT_H
#define PQ_TOOLS_PQRUN_REPORT_H

#include "Executor.h"

#include "pqhost/StepBuffers.h"

#include <cstdio>
#include <string>
#include <vector>

namespace pqrun {

/// The configuration and the call, before the step runs.
void printStep(std::FILE *out, const pqrt::StepBuffers &buffers,
               const std::string &configOrigin, const std::string &inputOrigin,
               int64_t numCachedBefore);

/// Path, total, the attended list of the first `rows` (b, h) rows and the
/// weight row sums, after the step ran.
void printResult(std::FILE *out, const pqrt::StepBuffers &buffers,
                 int64_t numCachedBefore, int64_t rows);

/// "sink [0..127] + 1024 heavy (first: 131, 140, ...) + window
/// [3968..4095]" for row (b, head); "all 200 tokens [0..199]" on the
/// full-attention path.
std::string describeRow(const pqrt::StepBuffers &buffers, int64_t b,
                        int64_t head);

/// Compares `actual` (after the executor ran) with `reference` (the same
/// inputs after an independent reference step) the tie-aware way of
/// SEMANTICS.md (pqrt_reference_compare) and prints PASS/FAIL per output;
/// codes must match bit for bit. True when all pass.
bool checkOutputs(std::FILE *out, pqrt::StepBuffers &reference,
                  const pqrt::StepBuffers &actual);

/// Median, min and max wall time per step, and the median GPU time when
/// there is one, printed for --bench.
void printBench(std::FILE *out, const std::string &executor,
                const BenchTimes &times);

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_REPORT_H
