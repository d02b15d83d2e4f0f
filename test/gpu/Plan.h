//===- Plan.h - Which steps the GPU tests run for one bundle ----*- C++ -*-===//
//
// A bundle fixes the static configuration (heads, layout, metric, sink /
// window / heavy, max_seq_len, maybe the batch); the plan picks the per-call
// values for it: batch, sk on both sides of the full-attention threshold up to
// max_seq_len, how many keys are new (n_cached), capacities with spare rows,
// random or tie-heavy inputs, and which cases also get the determinism and
// CUDA-graph checks. Pure host code and seeded, so a plan is reproducible
// and testable without a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_GPU_PLAN_H
#define PQ_TEST_GPU_PLAN_H

#include "pqrt/Config.h"
#include "pqhost/RandomInputs.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pqgpu {

/// What the tests need to know of a bundle (all of it read from the bundle).
struct BundleFacts {
  pqrt::StepConfig config; // batch and capacities unused
  int64_t staticBatch = 0; // 0: dynamic
  int64_t maxSeqLen = 0;
  bool quantize = true;
  std::string strategy; // "row" or "split"
  bool hasBuild = false; // the bundle carries the index build
};

struct CaseSpec {
  std::string label;   // "below", "at", "above", "mid", "max", ...
  int64_t batch = 1;
  int64_t seqLen = 0;    // sk
  int64_t numCached = 0; // n_cached before the step
  int64_t keyExtra = 0;  // key_capacity = sk + keyExtra
  int64_t codeExtra = 0; // code_capacity = n + codeExtra (spare rows)
  /// The codebook starts this many codes past an aligned allocation, so the
  /// kernels' 16-byte code loads must fall back to narrow ones.
  int64_t codeShift = 0;
  bool nullKey = false;  // pass key = NULL (only when nothing is quantized)
  pqrt::DataMode mode = pqrt::DataMode::Random;
  uint64_t seed = 0;
  bool determinism = false; // + the 10-run determinism check
  bool graph = false;       // + CUDA-graph capture and replay
  bool full = false;        // sk takes the full-attention path

  int64_t indexedKeys(const pqrt::StepConfig &config) const; // n >= 0
  int64_t newKeys(const pqrt::StepConfig &config) const;     // quantized
  /// "mid b=2 sk=5000 n_cached=4931 (37 new) ties seed=..."
  std::string describe(const pqrt::StepConfig &config) const;
};

struct PlanOptions {
  bool quick = false;   // few small cases (compute-sanitizer runs)
  uint64_t seed = 1;    // mixed with the bundle's name
  int64_t smCount = 132; // for the "b*h above the SM count" case
  /// Reference quantization work (key x centroid multiply-adds) a case may
  /// cost before n_cached = 0 gives way to "many" new keys.
  double quantizeBudget = 2.5e8;
};

/// The largest sk that takes the full-attention path:
/// heavy + init_offset + 1 + 2^bits.
int64_t fullAttentionThreshold(const pqrt::StepConfig &config);

std::vector<CaseSpec> planCases(const BundleFacts &facts,
                                const std::string &bundleName,
                                const PlanOptions &options);

/// The indexer's max batch for a plan (the static batch when there is one).
int64_t planMaxBatch(const BundleFacts &facts,
                     const std::vector<CaseSpec> &plan);

/// FNV-1a 64 of a string (seeds per bundle).
uint64_t hashName(const std::string &text);

} // namespace pqgpu

#endif // PQ_TEST_GPU_PLAN_H
