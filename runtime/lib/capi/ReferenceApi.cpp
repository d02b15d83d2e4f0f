//===- ReferenceApi.cpp - pqrt_reference_* and pqrt_output_total ----------===//
//
// The CPU reference and the tie-aware comparison, reachable from C so that
// host tools built on libpqrt alone (pq-run --check) can use them.
//
//===----------------------------------------------------------------------===//

#include "CApi.h"
#include "pqrt/Build.h"
#include "pqrt/Compare.h"

#include <algorithm>
#include <vector>

using namespace pqrt;

namespace {

/// Reads the caller's pqrt_outputs `in` (argument `arg`).
Status readOutputs(const char *arg, const pqrt_outputs *in, StepOutputs &out) {
  pqrt_outputs copy;
  Status status = capi::readStruct(arg, in, copy);
  if (status.ok()) {
    out.sparseList = copy.sparse_list;
    out.sparseLen = copy.sparse_len;
    out.weightList = copy.weight_list;
  }
  return status;
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
    if (status.ok()) {
      status = validateSeqLen(seq_len);
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
    pqrt_step s;
    Status status = capi::readStep(config, step, c, s);
    if (!status.ok()) {
      return status;
    }
    return referenceStep(c, capi::stepArgs(s));
  });
}

pqrt_status pqrt_reference_build(const pqrt_config *config,
                                 const pqrt_build *build) {
  return capi::guarded([&]() -> Status {
    StepConfig c;
    pqrt_build b;
    Status status = capi::fromCConfig(config, c);
    if (status.ok()) {
      status = capi::readStruct("build", build, b);
    }
    if (!status.ok()) {
      return status;
    }
    c.batch = b.batch;
    c.keyCapacity = b.key_capacity;
    c.codeCapacity = b.code_capacity;
    return referenceBuild(c, capi::buildArgs(b));
  });
}

pqrt_status pqrt_reference_scores(const pqrt_config *config,
                                  const pqrt_step *step, float *scores,
                                  int64_t capacity) {
  return capi::guarded([&]() -> Status {
    StepConfig c;
    pqrt_step s;
    Status status = capi::readStep(config, step, c, s);
    if (status.ok() && !scores) {
      status = capi::nullArgument("scores");
    }
    std::vector<float> values;
    if (status.ok()) {
      status = referenceScores(c, capi::stepArgs(s), values);
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
    StepOutputs expected, got;
    status = readOutputs("reference", reference, expected);
    if (status.ok()) {
      status = readOutputs("actual", actual, got);
    }
    if (!status.ok()) {
      return status;
    }
    CompareOptions options;
    if (relative_tolerance >= 0) {
      options.relativeTolerance = relative_tolerance;
    }
    return compareOutputs(c, seq_len, expected, scores, got, options);
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
    StepOutputs one, two;
    status = readOutputs("first", first, one);
    if (status.ok()) {
      status = readOutputs("second", second, two);
    }
    if (!status.ok()) {
      return status;
    }
    return compareIdentical(c, seq_len, one, two);
  });
}

} // extern "C"
