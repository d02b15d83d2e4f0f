//===- ReferenceApi.cpp - pqrt_reference_* and pqrt_output_total ----------===//
//
// The CPU reference and the tie-aware comparison, reachable from C so that
// host tools built on libpqrt alone (pq-run --check) can use them.
//
//===----------------------------------------------------------------------===//

#include "CApi.h"
#include "pqrt/Compare.h"

#include <algorithm>
#include <vector>

using namespace pqrt;

namespace {

StepOutputs outputsOf(const pqrt_outputs &outputs) {
  StepOutputs out;
  out.sparseList = outputs.sparse_list;
  out.sparseLen = outputs.sparse_len;
  out.weightList = outputs.weight_list;
  return out;
}

/// The config for comparing outputs of a batch-b step of length sk.
Status compareConfig(const pqrt_config *config, int64_t batch,
                     StepConfig &out) {
  Status status = capi::fromCConfig(config, out);
  out.batch = batch;
  return status;
}

} // namespace

extern "C" {

pqrt_status pqrt_output_total(const pqrt_config *config, int64_t seq_len,
                              int64_t *total, int *full_attention) {
  return capi::guarded([&]() -> Status {
    StepConfig c;
    Status status = capi::fromCConfig(config, c);
    if (status.ok()) {
      status = validateConfig(c);
    }
    if (status.ok() && seq_len < 1) {
      status = Status::invalid("seq_len: sk " + std::to_string(seq_len) +
                               " must be at least 1");
    }
    if (!status.ok()) {
      return status;
    }
    if (total) {
      *total = outputTotal(c, seq_len);
    }
    if (full_attention) {
      *full_attention = isFullAttention(c, seq_len) ? 1 : 0;
    }
    return status;
  });
}

pqrt_status pqrt_reference_run(const pqrt_config *config,
                               const pqrt_step *step) {
  return capi::guarded([&]() -> Status {
    StepConfig c;
    Status status = capi::stepConfig(config, step, c);
    if (!status.ok()) {
      return status;
    }
    return referenceStep(c, capi::stepArgs(*step));
  });
}

pqrt_status pqrt_reference_scores(const pqrt_config *config,
                                  const pqrt_step *step, float *scores,
                                  int64_t capacity) {
  return capi::guarded([&]() -> Status {
    StepConfig c;
    Status status = capi::stepConfig(config, step, c);
    if (status.ok() && !scores) {
      status = capi::nullArgument("scores");
    }
    std::vector<float> values;
    if (status.ok()) {
      status = referenceScores(c, capi::stepArgs(*step), values);
    }
    if (status.ok() && int64_t(values.size()) > capacity) {
      status = Status::invalid(
          "scores: capacity " + std::to_string(capacity) +
          " is less than b * h * n = " + std::to_string(values.size()));
    }
    if (status.ok()) {
      std::copy(values.begin(), values.end(), scores);
    }
    return status;
  });
}

pqrt_status pqrt_reference_compare(const pqrt_config *config, int64_t batch,
                                   int64_t seq_len,
                                   const pqrt_outputs *reference,
                                   const float *scores,
                                   const pqrt_outputs *actual,
                                   double relative_tolerance) {
  return capi::guarded([&]() -> Status {
    StepConfig c;
    Status status = compareConfig(config, batch, c);
    if (!status.ok()) {
      return status;
    }
    if (!reference) {
      return capi::nullArgument("reference");
    }
    if (!actual) {
      return capi::nullArgument("actual");
    }
    CompareOptions options;
    if (relative_tolerance >= 0) {
      options.relativeTolerance = relative_tolerance;
    }
    return compareOutputs(c, seq_len, outputsOf(*reference), scores,
                          outputsOf(*actual), options);
  });
}

pqrt_status pqrt_reference_compare_identical(const pqrt_config *config,
                                             int64_t batch, int64_t seq_len,
                                             const pqrt_outputs *first,
                                             const pqrt_outputs *second) {
  return capi::guarded([&]() -> Status {
    StepConfig c;
    Status status = compareConfig(config, batch, c);
    if (!status.ok()) {
      return status;
    }
    if (!first) {
      return capi::nullArgument("first");
    }
    if (!second) {
      return capi::nullArgument("second");
    }
    return compareIdentical(c, seq_len, outputsOf(*first), outputsOf(*second));
  });
}

} // extern "C"
