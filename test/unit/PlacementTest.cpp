//===- PlacementTest.cpp - Sink, heavy and window placement (step 6) ------===//
//
// Hand-computed rows: scores are chosen through the codes, so every expected
// sparse_list below can be checked on paper.
//
//===----------------------------------------------------------------------===//

#include "ScalarStep.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

std::vector<float> weightsAt(int64_t sk, const std::vector<int64_t> &listed) {
  std::vector<float> row(sk, 0.0f);
  for (int64_t p : listed) {
    row[p] = 1.0f;
  }
  return row;
}

TEST(PlacementTest, SinkHeavyWindow) {
  // sink 2, window 2, heavy 3, init_offset 2, C = 4; sk = 14: n = 12, ws = 10.
  StepConfig c = scalarConfig(2, 2, 2, 3, 2);
  StepBuffers buf =
      scalarStep(c, 14, {0, 1, 2, 3}, {0, 3, 1, 2, 3, 0, 1, 0, 2, 0, 3, 3});
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  // Best unmasked: j = 1, 4 (3), then j = 3 beats j = 8 (both 2, lower index).
  std::vector<int64_t> expected{0, 1, 3, 5, 6, 12, 13};
  EXPECT_EQ(buf.listRow(0, 0), expected);
  EXPECT_EQ(buf.lenAt(0, 0), 7);
  EXPECT_EQ(buf.weightRow(0, 0), weightsAt(14, expected));
}

TEST(PlacementTest, HeavyExceedsUnmaskedKeys) {
  // sink 1, window 8, heavy 6, init_offset 1, C = 2; sk = 11: n = 10, ws = 2.
  StepConfig c = scalarConfig(1, 1, 8, 6, 1);
  StepBuffers buf = scalarStep(c, 11, {5, 1}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  // k = 6 > ws = 2: j = 0, 1 by score, then -inf entries j = 2..5 in index
  // order; window 3..10 repeats positions 3..6.
  std::vector<int64_t> expected{0, 1, 2, 3, 4, 5, 6, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(buf.listRow(0, 0), expected);
  EXPECT_EQ(buf.lenAt(0, 0), 15);
  EXPECT_EQ(buf.weightRow(0, 0), std::vector<float>(11, 1.0f));
}

TEST(PlacementTest, WindowCoversEverythingBeyondInitOffset) {
  // ws = max(0, 12 - 9 - 3) = 0: every heavy score is -inf.
  StepConfig c = scalarConfig(1, 0, 9, 2, 3);
  StepBuffers buf = scalarStep(c, 12, {-1, 7}, {1, 1, 0, 1, 0, 1, 1, 0, 1});
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  EXPECT_EQ(heavyPart(buf, 0, 0), (std::vector<int64_t>{3, 4}));
}

TEST(PlacementTest, InitOffsetBelowSinkDuplicates) {
  // sink 4, window 1, heavy 2, init_offset 1, C = 2; sk = 8: n = 7, ws = 6.
  StepConfig c = scalarConfig(1, 4, 1, 2, 1);
  StepBuffers buf = scalarStep(c, 8, {0, 1}, {1, 0, 1, 0, 0, 0, 0});
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  // Heavy j = 0, 2 are positions 1 and 3, both already sink positions.
  std::vector<int64_t> expected{0, 1, 2, 3, 1, 3, 7};
  EXPECT_EQ(buf.listRow(0, 0), expected);
  EXPECT_EQ(buf.lenAt(0, 0), 7);
  std::vector<float> weights = buf.weightRow(0, 0);
  EXPECT_EQ(weights, weightsAt(8, expected));
  float sum = 0;
  for (float w : weights) {
    sum += w;
  }
  EXPECT_EQ(sum, 5.0f); // distinct positions, not total
}

TEST(PlacementTest, UsualSettingIsSorted) {
  // init_offset = sink and k <= ws: the row is sorted and duplicate-free.
  StepConfig c = scalarConfig(2, 3, 3, 4, 3);
  std::vector<int64_t> codes{3, 0, 0, 2, 1, 0, 3, 3, 0, 1, 2, 2, 0, 1, 3};
  StepBuffers buf = scalarStep(c, 18, {0, 1, 2, 3}, codes);
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  // n = 15, ws = 12: best are j = 0, 6, 7 (3) and j = 3 (2, before 10, 11).
  EXPECT_EQ(buf.listRow(0, 0),
            (std::vector<int64_t>{0, 1, 2, 3, 6, 9, 10, 15, 16, 17}));
}

TEST(PlacementTest, SinkAndWindowLongerThanSequence) {
  // sink 30 and window 25 both exceed sk = 20; heavy 0.
  StepConfig c = scalarConfig(1, 30, 25, 0, 16);
  StepBuffers buf = scalarStep(c, 20, {0, 1}, {});
  ASSERT_FALSE(isFullAttention(buf.config, 20));
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  std::vector<int64_t> row = buf.listRow(0, 0);
  ASSERT_EQ(row.size(), 40u);
  for (int64_t e = 0; e < 20; ++e) {
    EXPECT_EQ(row[e], e);
    EXPECT_EQ(row[20 + e], e);
  }
}

TEST(PlacementTest, HeavyZero) {
  StepConfig c = scalarConfig(1, 1, 1, 0, 1);
  StepBuffers buf = scalarStep(c, 6, {0, 1}, {1, 1, 1, 1, 1});
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  EXPECT_EQ(buf.listRow(0, 0), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(buf.weightRow(0, 0), weightsAt(6, {0, 5}));
}

} // namespace
} // namespace test
} // namespace pqrt
