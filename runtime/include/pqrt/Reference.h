//===- Reference.h - CPU reference of the indexer step ----------*- C++ -*-===//
//
// A direct implementation of SEMANTICS.md: the oracle for every GPU test and
// the no-GPU execution path. Validates its arguments and reports errors
// through Status; never aborts and writes nothing when it reports an error.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_REFERENCE_H
#define PQRT_REFERENCE_H

#include "pqrt/Config.h"

#include <vector>

namespace pqrt {

/// Host or device pointers for one step. Shapes are those of SEMANTICS.md,
/// with the capacities of StepConfig (keyCapacity, codeCapacity).
struct StepArgs {
  int64_t seqLen = 0;          // sk
  int64_t queryLen = 1;        // sq: the step takes exactly one query token
  const void *query = nullptr; // [b, h, 1, d] queryType
  const void *key = nullptr;   // [b, h_kv, keyCapacity, d] queryType; may be
                               // null when there is nothing to quantize
  const void *centroids = nullptr; // [b, h_kv, S, C, ds'] centroidType
  const float *phi = nullptr;      // [b * h_kv * S], metric ip only
  void *codebook = nullptr;        // seed or compact layout, codeCapacity rows
  int64_t *numCached = nullptr;    // in: n_cached; out: codes now filled
  void *sparseList = nullptr;      // [b, h, total] indexType
  int64_t *sparseLen = nullptr;    // [b, h]
  void *weightList = nullptr;      // [b, h, sk] weightType
};

/// True when the step attends to every token (SEMANTICS step 1).
bool isFullAttention(const StepConfig &config, int64_t seqLen);
/// Number of entries per (b, h) row of sparse_list for this sk.
int64_t outputTotal(const StepConfig &config, int64_t seqLen);
/// Checks the static configuration (divisibility, ranges, layouts).
Status validateConfig(const StepConfig &config);
/// Checks a step's arguments against the configuration; null pointers,
/// sk beyond keyCapacity, n_cached > n, codebook too small, missing phi...
Status validateStep(const StepConfig &config, const StepArgs &args);

/// Runs the whole step on host memory.
Status referenceStep(const StepConfig &config, const StepArgs &args);

/// The fp32 scores [b, h, n] (window not masked) from the codebook as it is
/// now, for the tie-aware comparison. Requires *numCached == n.
Status referenceScores(const StepConfig &config, const StepArgs &args,
                       std::vector<float> &scores);

} // namespace pqrt

#endif // PQRT_REFERENCE_H
