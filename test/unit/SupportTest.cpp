//===- SupportTest.cpp - The random-step generators themselves ------------===//
//
// GPU tests rely on these generators: the same seed must give the same bytes,
// and Ties mode must really produce exact ties.
//
//===----------------------------------------------------------------------===//

#include "RandomStep.h"

#include <gtest/gtest.h>

#include <set>

namespace pqrt {
namespace test {
namespace {

TEST(SupportTest, SameSeedSameBytes) {
  std::mt19937_64 rng(5);
  StepConfig c = randomConfig(rng);
  int64_t sk = randomSeqLen(c, rng);
  for (DataMode mode : {DataMode::Random, DataMode::Ties}) {
    StepBuffers a = makeRandomStep(c, sk, 1, 99, mode);
    StepBuffers b = makeRandomStep(c, sk, 1, 99, mode);
    StepBuffers other = makeRandomStep(c, sk, 1, 100, mode);
    EXPECT_EQ(a.query, b.query);
    EXPECT_EQ(a.key, b.key);
    EXPECT_EQ(a.centroids, b.centroids);
    EXPECT_EQ(a.codebook, b.codebook);
    EXPECT_EQ(a.phi, b.phi);
    EXPECT_NE(a.centroids, other.centroids);
  }
}

TEST(SupportTest, KeyCacheOnlyWhenKeysAreQuantized) {
  StepConfig c;
  c.batch = 2;
  c.heads = c.kvHeads = 2;
  c.headDim = 8;
  c.subspaces = 2;
  c.bits = 2;
  c.sink = c.window = c.initOffset = 2;
  c.heavy = 3;
  // Threshold 3 + 2 + 1 + 4 = 10: sk 40 is sparse with n = 38.
  EXPECT_EQ(keyCacheNeeded(c, 40, 37), KeyCache::Allocated);
  EXPECT_EQ(keyCacheNeeded(c, 40, 38), KeyCache::Absent);
  EXPECT_EQ(keyCacheNeeded(c, 10, 0), KeyCache::Absent); // full attention
  const int64_t keyBytes = 2 * 2 * 40 * 8 * 2;           // bf16
  EXPECT_EQ(stepBufferBytes(c, 40, KeyCache::Allocated) -
                stepBufferBytes(c, 40, KeyCache::Absent),
            keyBytes);

  StepBuffers buf(c, 40, 38, KeyCache::Absent);
  EXPECT_FALSE(buf.hasKey());
  EXPECT_EQ(buf.config.keyCapacity, 0);
  EXPECT_EQ(buf.args().key, nullptr);
  fillRandom(buf, 4, DataMode::Random);
  // The reference takes key = null when nothing is quantized.
  Status status = referenceStep(buf.config, buf.args());
  EXPECT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(buf.numCached, 38);
}

TEST(SupportTest, TiesModeHasFewDistinctScores) {
  StepConfig c;
  c.batch = 1;
  c.heads = c.kvHeads = 2;
  c.headDim = 8;
  c.subspaces = 2;
  c.bits = 6;
  c.sink = c.window = c.initOffset = 4;
  c.heavy = 16;
  int64_t sk = 600;
  StepBuffers buf = makeRandomStep(c, sk, 0, 3, DataMode::Ties);
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  std::vector<float> scores;
  ASSERT_TRUE(referenceScores(buf.config, buf.args(), scores).ok());
  int64_t n = buf.numCached;
  for (int64_t h = 0; h < 2; ++h) {
    std::set<float> distinct(scores.begin() + h * n,
                             scores.begin() + (h + 1) * n);
    // At most 3 distinct centroids per subspace: at most 3^2 scores.
    EXPECT_LE(distinct.size(), 9u);
  }
  // Keys copy a prototype, so each code is the lowest c of its prototype.
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t s = 0; s < 2; ++s) {
      EXPECT_LT(buf.code(0, j, 0, s), 3);
    }
  }
}

TEST(SupportTest, OutputsStartAsSentinel) {
  StepConfig c;
  c.heads = c.kvHeads = 1;
  c.headDim = 2;
  c.subspaces = 1;
  c.bits = 1;
  StepBuffers buf(c, 5, 0);
  for (uint8_t byte : buf.sparseList) {
    EXPECT_EQ(byte, kSentinel);
  }
  for (uint8_t byte : buf.weightList) {
    EXPECT_EQ(byte, kSentinel);
  }
}

} // namespace
} // namespace test
} // namespace pqrt
