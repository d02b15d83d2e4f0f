//===- Internal.h - Pieces of the reference step ----------------*- C++ -*-===//
//
// The step's stages as separate functions, one file each, so every stage can
// be read against its paragraph of SEMANTICS.md. Not installed; the public
// entry points are in pqrt/Reference.h.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_REFERENCE_INTERNAL_H
#define PQRT_LIB_REFERENCE_INTERNAL_H

#include "pqrt/Reference.h"

#include <cstdint>
#include <vector>

namespace pqrt {
namespace detail {

/// n = sk - init_offset, floored at 0.
inline int64_t indexedKeys(const StepConfig &config, int64_t seqLen) {
  int64_t n = seqLen - config.initOffset;
  return n > 0 ? n : 0;
}

/// Checks the inputs scoring reads: query, centroids, a codebook of at least
/// n rows whose first `filled` rows hold codes in [0, C).
Status validateScoringInputs(const StepConfig &config, const StepArgs &args,
                             int64_t n, int64_t filled);

/// Validation for referenceScores: like validateStep, but outputs are not
/// needed and the codebook must already hold all n rows.
Status validateScoreArgs(const StepConfig &config, const StepArgs &args);

/// What a comparison of two steps' outputs checks first: the config, sk, and
/// that every output's element count fits (filled into `elements`).
Status validateOutputSizes(const StepConfig &config, int64_t seqLen,
                           BufferElements &elements);

/// Squared L2 distance summed by increasing dimension; NaN becomes +inf, so
/// it never beats a real distance.
float codeDistance(const float *x, const float *centroid, int64_t width);
/// The c in [0, count) nearest to x (codeDistance; ties to the lowest c).
int64_t nearestCentroid(const float *x, const float *centroids, int64_t count,
                        int64_t width);
/// ||x||^2 in fp32, summed by increasing index.
float squaredNorm(const float *x, int64_t width);
/// The ip -> l2 extra dimension sqrt(max(phi - ||x||^2, 0)) (0 for a NaN gap).
float augmentedDimension(const float *x, int64_t width, float phi);

/// Quantizes keys at positions init_offset + [from, to) into codebook rows
/// [from, to) (SEMANTICS step 2). Arguments must be valid.
void quantizeKeys(const StepConfig &config, const StepArgs &args, int64_t from,
                  int64_t to);

/// Maps NaN to -inf and -0 to +0: one total order for selection and
/// comparison.
float canonicalScore(float score);

/// The per-head table T[s * C + c] = dot(q_s, centroid[s][c][0:ds]) in fp32.
void buildScoreTable(const StepConfig &config, const StepArgs &args, int64_t b,
                     int64_t head, std::vector<float> &table);

/// Canonical scores of rows [0, n) for query head `head` of batch entry b.
void scoreRow(const StepConfig &config, const StepArgs &args, int64_t b,
              int64_t head, int64_t n, const std::vector<float> &table,
              float *scores);

/// True when (scoreA, a) ranks before (scoreB, b): larger score first, the
/// lower index among equal scores. Scores must be canonical.
inline bool ranksBefore(float scoreA, int64_t a, float scoreB, int64_t b) {
  if (scoreA != scoreB) {
    return scoreA > scoreB;
  }
  return a < b;
}

/// Masks scores[j] for j >= ws to -inf, then returns the k best indices in
/// ascending order (SEMANTICS steps 4 and 5). Modifies `scores`.
void selectHeavy(float *scores, int64_t n, int64_t ws, int64_t k,
                 std::vector<int64_t> &heavy);

/// Writes sparse_list, sparse_len and weight_list of one (b, head) row
/// (SEMANTICS step 6); heavy holds indices j (not positions), ascending.
void emitRow(const StepConfig &config, const StepArgs &args, int64_t b,
             int64_t head, const std::vector<int64_t> &heavy);

/// Writes the full-attention row: 0..sk-1, weights 1 (SEMANTICS step 1).
void emitFullRow(const StepConfig &config, const StepArgs &args, int64_t b,
                 int64_t head);

} // namespace detail
} // namespace pqrt

#endif // PQRT_LIB_REFERENCE_INTERNAL_H
