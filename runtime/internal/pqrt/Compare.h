//===- Compare.h - Tie-aware comparison of step outputs ---------*- C++ -*-===//
//
// Checks another implementation's outputs against the reference's, as
// SEMANTICS.md "Checking an implementation" prescribes: sink and window parts,
// total, sparse_len and weight row sums exact; weights 1 exactly at listed
// positions; the heavy part judged through the reference's scores, so any
// valid order of summation or tie-break among (nearly) equal scores passes.
// Host buffers only; GPU tests copy their outputs back first.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_COMPARE_H
#define PQRT_COMPARE_H

#include "pqrt/Reference.h"

namespace pqrt {

/// Read-only views of one step's outputs (host memory), typed by the
/// StepConfig: sparse_list [b, h, total] indexType, sparse_len [b, h] i64,
/// weight_list [b, h, sk] weightType.
struct StepOutputs {
  const void *sparseList = nullptr;
  const int64_t *sparseLen = nullptr;
  const void *weightList = nullptr;
};

/// The outputs a StepArgs points at.
StepOutputs outputsOf(const StepArgs &args);

struct CompareOptions {
  /// Two heavy-set scores a, b match when a == b (so -inf matches -inf) or
  /// |a - b| <= relativeTolerance * max(|a|, |b|) + absoluteTolerance.
  double relativeTolerance = 1e-4;
  double absoluteTolerance = 0.0;
};

/// Ok when `actual` is a correct output for the step whose reference outputs
/// are `reference` and whose reference scores (referenceScores: [b, h, n],
/// window not masked; may be null on the full-attention path) are `scores`.
/// Otherwise StatusCode::Mismatch with a message naming the output, b, h and
/// the entry or position of the first mismatch; InvalidArgument when the
/// arguments themselves are unusable.
Status compareOutputs(const StepConfig &config, int64_t seqLen,
                      const StepOutputs &reference, const float *scores,
                      const StepOutputs &actual,
                      const CompareOptions &options = {});

/// Ok when two runs produced bitwise-identical outputs (the determinism
/// check); otherwise Mismatch naming the first differing element.
Status compareIdentical(const StepConfig &config, int64_t seqLen,
                        const StepOutputs &first, const StepOutputs &second);

} // namespace pqrt

#endif // PQRT_COMPARE_H
