//===- FullAttentionTest.cpp - SEMANTICS step 1 and its threshold ---------===//

#include "RandomStep.h"
#include "ScalarStep.h"

#include <gtest/gtest.h>

#include <numeric>

namespace pqrt {
namespace test {
namespace {

// heavy + init_offset + 1 + C = 3 + 2 + 1 + 4 = 10.
StepConfig thresholdConfig() { return scalarConfig(2, 1, 2, 3, 2); }

TEST(FullAttentionTest, ThresholdIsInclusive) {
  StepConfig c = thresholdConfig();
  EXPECT_TRUE(isFullAttention(c, 1));
  EXPECT_TRUE(isFullAttention(c, 10));
  EXPECT_FALSE(isFullAttention(c, 11));
  EXPECT_EQ(outputTotal(c, 10), 10);
  // One above: min(sink, sk) + min(heavy, n) + min(window, sk) = 1 + 3 + 2.
  EXPECT_EQ(outputTotal(c, 11), 6);
}

TEST(FullAttentionTest, AtThresholdListsEveryToken) {
  StepConfig c = thresholdConfig();
  StepBuffers buf = makeRandomStep(c, 10, 5, 1);
  std::vector<uint8_t> codebook = buf.codebook;
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  std::vector<int64_t> all(10);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(buf.listRow(0, 0), all);
  EXPECT_EQ(buf.weightRow(0, 0), std::vector<float>(10, 1.0f));
  EXPECT_EQ(buf.lenAt(0, 0), 10);
  // Nothing quantized: numCached and the codebook are untouched.
  EXPECT_EQ(buf.numCached, 5);
  EXPECT_EQ(buf.codebook, codebook);
}

TEST(FullAttentionTest, OneAboveThresholdSelects) {
  StepConfig c = thresholdConfig();
  // n = 9, ws = 11 - 2 - 2 = 7; scores are the codes' values.
  StepBuffers buf =
      scalarStep(c, 11, {0, 1, 2, 3}, {0, 3, 1, 2, 3, 0, 1, 3, 3});
  buf.numCached = 9;
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  // Heavy: j = 1, 4 (score 3), then j = 3 (score 2); j = 7, 8 are masked.
  EXPECT_EQ(buf.listRow(0, 0), (std::vector<int64_t>{0, 3, 5, 6, 9, 10}));
  EXPECT_EQ(buf.lenAt(0, 0), 6);
  EXPECT_EQ(buf.numCached, 9);
}

TEST(FullAttentionTest, NeedsNoInputs) {
  StepConfig c = thresholdConfig();
  c.heads = 2;
  c.kvHeads = 1;
  c.indexType = ElementType::I32;
  c.weightType = ElementType::BF16;
  StepBuffers buf(c, 7, 0);
  StepArgs args = buf.args();
  args.query = args.key = args.centroids = nullptr;
  args.codebook = nullptr;
  args.numCached = nullptr;
  ASSERT_TRUE(referenceStep(buf.config, args).ok());
  for (int64_t h = 0; h < 2; ++h) {
    EXPECT_EQ(buf.listRow(0, h), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(buf.weightRow(0, h), std::vector<float>(7, 1.0f));
    EXPECT_EQ(buf.lenAt(0, h), 7);
  }
}

TEST(FullAttentionTest, SeqLenBelowInitOffset) {
  StepConfig c = thresholdConfig();
  c.initOffset = 6;
  StepBuffers buf(c, 3, 0);
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  EXPECT_EQ(buf.listRow(0, 0), (std::vector<int64_t>{0, 1, 2}));
}

} // namespace
} // namespace test
} // namespace pqrt
