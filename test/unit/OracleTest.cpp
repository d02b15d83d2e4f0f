//===- OracleTest.cpp - The reference against a naive transcription -------===//
//
// A second, deliberately naive reading of SEMANTICS.md (no lookup table, a
// full stable sort) must agree exactly with the reference on random steps:
// same codes, same scores, same sparse_list.
//
//===----------------------------------------------------------------------===//

#include "RandomStep.h"
#include "pqrt/Layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace pqrt {
namespace test {
namespace {

float centroidAt(const StepBuffers &buf, int64_t b, int64_t kv, int64_t s,
                 int64_t c, int64_t i) {
  return loadFloat(buf.config.centroidType, buf.centroids.data(),
                   centroidOffset(buf.config, b, kv, s, c, i));
}

/// argmin_c ||x_s - centroid||^2 with ties (and NaN) to the lowest c.
int64_t naiveCode(const StepBuffers &buf, int64_t b, int64_t kv, int64_t s,
                  int64_t pos) {
  const StepConfig &c = buf.config;
  const int64_t ds = c.subDim();
  std::vector<float> x(c.centroidDim());
  float norm = 0.0f;
  for (int64_t i = 0; i < ds; ++i) {
    x[i] = buf.keyValue(b, kv, pos, s * ds + i);
    norm += x[i] * x[i];
  }
  if (c.metric == Metric::InnerProduct) {
    float gap = buf.phi[phiOffset(c, b, kv, s)] - norm;
    x[ds] = std::sqrt(gap > 0.0f ? gap : 0.0f);
  }
  int64_t best = 0;
  float bestDistance = std::numeric_limits<float>::infinity();
  for (int64_t code = 0; code < c.centroids(); ++code) {
    float d = 0.0f;
    for (int64_t i = 0; i < c.centroidDim(); ++i) {
      float diff = x[i] - centroidAt(buf, b, kv, s, code, i);
      d += diff * diff;
    }
    if (d < bestDistance) {
      best = code;
      bestDistance = d;
    }
  }
  return best;
}

/// sum_s dot(q_s, centroid[code_s][0:ds]), NaN as -inf.
float naiveScore(const StepBuffers &buf, int64_t b, int64_t h, int64_t j) {
  const StepConfig &c = buf.config;
  const int64_t kv = h / c.group(), ds = c.subDim();
  float score = 0.0f;
  for (int64_t s = 0; s < c.subspaces; ++s) {
    int64_t code = buf.code(b, j, kv, s);
    float dot = 0.0f;
    for (int64_t i = 0; i < ds; ++i) {
      dot += loadFloat(c.queryType, buf.query.data(),
                       queryOffset(c, b, h, s * ds + i)) *
             centroidAt(buf, b, kv, s, code, i);
    }
    score += dot;
  }
  return std::isnan(score) ? -std::numeric_limits<float>::infinity() : score;
}

std::vector<int64_t> naiveRow(const StepBuffers &buf, int64_t b, int64_t h) {
  const StepConfig &c = buf.config;
  const int64_t sk = buf.seqLen, n = sk - c.initOffset;
  const int64_t ws = std::max<int64_t>(0, sk - c.window - c.initOffset);
  std::vector<float> score(n);
  for (int64_t j = 0; j < n; ++j) {
    score[j] = j < ws ? naiveScore(buf, b, h, j)
                      : -std::numeric_limits<float>::infinity();
  }
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return score[x] > score[y]; });
  std::vector<int64_t> heavy(order.begin(),
                             order.begin() + std::min(c.heavy, n));
  std::sort(heavy.begin(), heavy.end());
  std::vector<int64_t> row;
  for (int64_t p = 0; p < std::min(c.sink, sk); ++p) {
    row.push_back(p);
  }
  for (int64_t j : heavy) {
    row.push_back(j + c.initOffset);
  }
  for (int64_t p = sk - std::min(c.window, sk); p < sk; ++p) {
    row.push_back(p);
  }
  return row;
}

TEST(OracleTest, ReferenceMatchesNaiveTranscription) {
  for (uint64_t seed = 1; seed <= 120; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed * 7919);
    StepConfig config = randomConfig(rng);
    int64_t sk = randomSeqLen(config, rng);
    if (isFullAttention(config, sk)) {
      continue; // covered by FullAttentionTest and PropertyTest
    }
    int64_t cached = randomNumCached(config, sk, rng);
    DataMode mode = seed % 2 ? DataMode::Ties : DataMode::Random;
    StepBuffers buf = makeRandomStep(config, sk, cached, seed, mode);
    ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
    const StepConfig &c = buf.config;
    for (int64_t b = 0; b < c.batch; ++b) {
      for (int64_t j = cached; j < buf.numCached; ++j) {
        for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
          for (int64_t s = 0; s < c.subspaces; ++s) {
            ASSERT_EQ(buf.code(b, j, kv, s),
                      naiveCode(buf, b, kv, s, j + c.initOffset))
                << "b " << b << " j " << j << " kv " << kv << " s " << s;
          }
        }
      }
    }
    std::vector<float> scores;
    ASSERT_TRUE(referenceScores(c, buf.args(), scores).ok());
    const int64_t n = buf.numCached;
    for (int64_t b = 0; b < c.batch; ++b) {
      for (int64_t h = 0; h < c.heads; ++h) {
        for (int64_t j = 0; j < n; ++j) {
          ASSERT_EQ(scores[(b * c.heads + h) * n + j],
                    naiveScore(buf, b, h, j));
        }
        ASSERT_EQ(buf.listRow(b, h), naiveRow(buf, b, h)) << b << " " << h;
      }
    }
  }
}

} // namespace
} // namespace test
} // namespace pqrt
