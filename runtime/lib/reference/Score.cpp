//===- Score.cpp - Per-head LUT scores (SEMANTICS step 3) -----------------===//
//
// score[j] = sum_s T[s][code[j][s]] with T[s][c] = dot(q_s, centroid[s][c]),
// all in fp32, dot products in increasing dimension order and the sum in
// increasing s. The ip augmented dimension is never read here.
//
// NaN handling: a NaN score (NaN or inf-inf in the inputs) becomes -inf, so it
// ranks below every real score and ties with masked entries (lower index
// first). -0 becomes +0 so that equal scores have equal bits.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "pqrt/Layout.h"

#include <cmath>
#include <limits>

namespace pqrt {
namespace detail {

float canonicalScore(float score) {
  if (std::isnan(score)) {
    return -std::numeric_limits<float>::infinity();
  }
  return score == 0.0f ? 0.0f : score;
}

void buildScoreTable(const StepConfig &config, const StepArgs &args, int64_t b,
                     int64_t head, std::vector<float> &table) {
  const int64_t count = config.centroids();
  const int64_t subDim = config.subDim();
  const int64_t kv = head / config.group();
  table.assign(config.subspaces * count, 0.0f);
  for (int64_t s = 0; s < config.subspaces; ++s) {
    for (int64_t c = 0; c < count; ++c) {
      float dot = 0.0f;
      for (int64_t i = 0; i < subDim; ++i) {
        float q = loadFloat(config.queryType, args.query,
                            queryOffset(config, b, head, s * subDim + i));
        float centroid = loadFloat(config.centroidType, args.centroids,
                                   centroidOffset(config, b, kv, s, c, i));
        dot += q * centroid;
      }
      table[s * count + c] = dot;
    }
  }
}

void scoreRow(const StepConfig &config, const StepArgs &args, int64_t b,
              int64_t head, int64_t n, const std::vector<float> &table,
              float *scores) {
  const int64_t count = config.centroids();
  const int64_t kv = head / config.group();
  const ElementType type = codeType(config);
  for (int64_t j = 0; j < n; ++j) {
    float sum = 0.0f;
    for (int64_t s = 0; s < config.subspaces; ++s) {
      int64_t code =
          loadInt(type, args.codebook, codeOffset(config, b, j, kv, s));
      sum += table[s * count + code];
    }
    scores[j] = canonicalScore(sum);
  }
}

} // namespace detail

Status referenceScores(const StepConfig &config, const StepArgs &args,
                       std::vector<float> &scores) {
  Status status = detail::validateScoreArgs(config, args);
  if (!status.ok()) {
    return status;
  }
  const int64_t n = detail::indexedKeys(config, args.seqLen);
  scores.assign(config.batch * config.heads * n, 0.0f);
  std::vector<float> table;
  for (int64_t b = 0; b < config.batch; ++b) {
    for (int64_t head = 0; head < config.heads; ++head) {
      detail::buildScoreTable(config, args, b, head, table);
      detail::scoreRow(config, args, b, head, n, table,
                       scores.data() + (b * config.heads + head) * n);
    }
  }
  return Status::success();
}

} // namespace pqrt
