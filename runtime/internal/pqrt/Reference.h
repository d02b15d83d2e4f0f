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

/// True when the step attends to every token (SEMANTICS step 1). Exact for
/// any sizes: a bound heavy + init_offset + 1 + C beyond int64 counts as
/// infinite, not as a wrapped negative number.
bool isFullAttention(const StepConfig &config, int64_t seqLen);
/// Number of entries per (b, h) row of sparse_list for this sk (saturates
/// at INT64_MAX, so oversized arguments fail the buffer-size checks).
int64_t outputTotal(const StepConfig &config, int64_t seqLen);
/// Checks the static configuration: sizes within pqrt_limits.h, h % h_kv,
/// d % S, 1 <= pq_bits <= 16 (<= 8 for the compact layout), metric, layout
/// and element types.
Status validateConfig(const StepConfig &config);
/// Checks sk: 1 <= sk <= PQRT_MAX_TOKENS.
Status validateSeqLen(int64_t seqLen);

/// Element counts of every buffer of one step (SEMANTICS.md shapes with the
/// capacities of StepConfig), and of referenceScores' output.
struct BufferElements {
  int64_t query = 0, key = 0, centroids = 0, phi = 0, codebook = 0;
  int64_t sparseList = 0, sparseLen = 0, weightList = 0, scores = 0;
};
/// The counts for a valid config and sk; InvalidArgument naming the buffer
/// when a count, or its size in bytes, does not fit in int64.
Status stepBufferElements(const StepConfig &config, int64_t seqLen,
                          BufferElements &out);
/// Checks a step's arguments against the configuration (and every buffer
/// size against int64), dereferencing only *numCached and the filled
/// codebook rows (codes must lie in [0, C)).
/// Outputs are always required; the full-attention path needs no input.
/// Otherwise query, centroids, codebook (code_capacity >= n), numCached
/// (0 <= n_cached <= n) and, for metric ip, phi are required; key (with
/// key_capacity >= sk) only when n_cached < n.
Status validateStep(const StepConfig &config, const StepArgs &args);

/// Runs the whole step on host memory. Validates first; on error nothing is
/// written. All arithmetic is fp32 in a fixed order (no FMA contraction):
/// dot products by increasing dimension, scores as sum over increasing s of
/// T[s][c]. A NaN score is ranked as -inf (below every real score, tied with
/// masked entries, lower index first); a NaN quantization distance counts as
/// +inf, so a NaN key gets code 0.
Status referenceStep(const StepConfig &config, const StepArgs &args);

/// The fp32 scores [b, h, n] (window not masked; NaN reported as -inf, -0 as
/// +0) from the codebook as it is now, for the tie-aware comparison.
/// Requires *numCached == n = max(sk - init_offset, 0); outputs unused.
Status referenceScores(const StepConfig &config, const StepArgs &args,
                       std::vector<float> &scores);

} // namespace pqrt

#endif // PQRT_REFERENCE_H
