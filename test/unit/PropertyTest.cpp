//===- PropertyTest.cpp - Invariants over many random steps ---------------===//
//
// Every output row of every random step must satisfy SEMANTICS.md's
// invariants, checked here directly from the definitions (not through
// compareOutputs): placement, weights, maximality of the heavy set under the
// lowest-index tie rule, and bitwise determinism.
//
//===----------------------------------------------------------------------===//

#include "RandomStep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>

namespace pqrt {
namespace test {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

/// (score, j) ranks before (score', j'): larger score, then lower index.
bool before(float a, int64_t i, float b, int64_t j) {
  return a != b ? a > b : i < j;
}

void checkFullRow(const StepBuffers &buf, int64_t b, int64_t h) {
  std::vector<int64_t> row = buf.listRow(b, h);
  ASSERT_EQ(int64_t(row.size()), buf.seqLen);
  for (int64_t p = 0; p < buf.seqLen; ++p) {
    ASSERT_EQ(row[p], p);
  }
  ASSERT_EQ(buf.weightRow(b, h), std::vector<float>(buf.seqLen, 1.0f));
}

void checkWeights(const StepBuffers &buf, int64_t b, int64_t h) {
  std::vector<int64_t> row = buf.listRow(b, h);
  std::set<int64_t> listed(row.begin(), row.end());
  std::vector<float> weights = buf.weightRow(b, h);
  float sum = 0.0f;
  for (int64_t p = 0; p < buf.seqLen; ++p) {
    ASSERT_EQ(weights[p], listed.count(p) ? 1.0f : 0.0f) << "position " << p;
    sum += weights[p];
  }
  ASSERT_EQ(sum, float(listed.size()));
}

void checkSelectedRow(const StepBuffers &buf, const float *scores, int64_t b,
                      int64_t h) {
  const StepConfig &c = buf.config;
  const int64_t sk = buf.seqLen, n = sk - c.initOffset;
  const int64_t ws = std::max<int64_t>(0, sk - c.window - c.initOffset);
  const int64_t sinkCount = std::min(c.sink, sk);
  const int64_t windowCount = std::min(c.window, sk);
  const int64_t k = std::min(c.heavy, n);
  std::vector<int64_t> row = buf.listRow(b, h);
  ASSERT_EQ(int64_t(row.size()), sinkCount + k + windowCount);
  for (int64_t e = 0; e < sinkCount; ++e) {
    ASSERT_EQ(row[e], e);
  }
  for (int64_t e = 0; e < windowCount; ++e) {
    ASSERT_EQ(row[sinkCount + k + e], sk - windowCount + e);
  }
  std::vector<char> chosen(n, 0);
  for (int64_t e = sinkCount; e < sinkCount + k; ++e) {
    int64_t j = row[e] - c.initOffset;
    ASSERT_TRUE(j >= 0 && j < n) << row[e];
    ASSERT_TRUE(e == sinkCount || row[e] > row[e - 1]) << "not ascending";
    chosen[j] = 1;
  }
  // Maximal: the worst chosen entry ranks before the best unchosen one.
  auto masked = [&](int64_t j) { return j < ws ? scores[j] : kMinusInf; };
  int64_t worst = -1, best = -1; // worst chosen, best unchosen
  for (int64_t j = 0; j < n; ++j) {
    if (chosen[j] &&
        (worst < 0 || before(masked(worst), worst, masked(j), j))) {
      worst = j;
    }
    if (!chosen[j] && (best < 0 || before(masked(j), j, masked(best), best))) {
      best = j;
    }
  }
  if (worst >= 0 && best >= 0) {
    ASSERT_TRUE(before(masked(worst), worst, masked(best), best))
        << "unchosen j " << best << " (" << masked(best)
        << ") ranks before chosen j " << worst << " (" << masked(worst) << ")";
  }
}

void checkStep(const StepConfig &config, int64_t sk, int64_t cached,
               uint64_t seed, DataMode mode) {
  StepBuffers buf = makeRandomStep(config, sk, cached, seed, mode);
  StepBuffers again = buf;
  Status status = referenceStep(buf.config, buf.args());
  ASSERT_TRUE(status.ok()) << status.message;
  ASSERT_TRUE(referenceStep(again.config, again.args()).ok());
  status = compareIdentical(buf.config, sk, buf.outputs(), again.outputs());
  ASSERT_TRUE(status.ok()) << status.message;
  ASSERT_EQ(buf.codebook, again.codebook);

  const StepConfig &c = buf.config;
  bool full = isFullAttention(c, sk);
  ASSERT_EQ(buf.numCached, full ? cached : sk - c.initOffset);
  std::vector<float> scores;
  if (!full) {
    status = referenceScores(c, buf.args(), scores);
    ASSERT_TRUE(status.ok()) << status.message;
  }
  const int64_t n = full ? 0 : sk - c.initOffset;
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.heads; ++h) {
      SCOPED_TRACE("b " + std::to_string(b) + ", h " + std::to_string(h));
      ASSERT_EQ(buf.lenAt(b, h), buf.total);
      if (full) {
        checkFullRow(buf, b, h);
      } else {
        checkSelectedRow(buf, scores.data() + (b * c.heads + h) * n, b, h);
      }
      checkWeights(buf, b, h);
    }
  }
  status =
      compareOutputs(c, sk, buf.outputs(),
                     scores.empty() ? nullptr : scores.data(), buf.outputs());
  ASSERT_TRUE(status.ok()) << status.message;
}

class PropertyTest : public ::testing::TestWithParam<DataMode> {};

TEST_P(PropertyTest, RandomStepsSatisfyTheInvariants) {
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    StepConfig config = randomConfig(rng);
    int64_t sk = randomSeqLen(config, rng);
    checkStep(config, sk, randomNumCached(config, sk, rng), seed, GetParam());
    if (HasFatalFailure()) {
      return;
    }
  }
}

TEST_P(PropertyTest, ModelSizedStepsSatisfyTheInvariants) {
  // C = 64, S = 2 and a few hundred keys: the shape of real decode steps.
  StepConfig c;
  c.batch = 1;
  c.heads = 8;
  c.kvHeads = 2;
  c.headDim = 16;
  c.subspaces = 2;
  c.bits = 6;
  c.sink = c.window = c.initOffset = 16;
  c.heavy = 64;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    c.metric = seed % 2 ? Metric::InnerProduct : Metric::Euclidean;
    c.layout = seed % 3 ? CodeLayout::Compact : CodeLayout::Seed;
    int64_t sk = 161 + 97 * int64_t(seed);
    checkStep(c, sk, sk - c.initOffset - int64_t(seed), seed, GetParam());
    if (HasFatalFailure()) {
      return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, PropertyTest,
                         ::testing::Values(DataMode::Random, DataMode::Ties),
                         [](const auto &info) {
                           return info.param == DataMode::Ties ? "Ties"
                                                               : "Random";
                         });

} // namespace
} // namespace test
} // namespace pqrt
