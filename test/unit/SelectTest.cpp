//===- SelectTest.cpp - Heavy selection order and NaN handling (step 5) ---===//

#include "ScalarStep.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace pqrt {
namespace test {
namespace {

// No sink, no window, init_offset 0, C = 4: heavy positions are the j's.
StepConfig selectConfig(int64_t heavy) {
  return scalarConfig(2, 0, 0, heavy, 0);
}

std::vector<int64_t> selectWith(int64_t heavy, const std::vector<float> &values,
                                const std::vector<int64_t> &codes) {
  StepBuffers buf =
      scalarStep(selectConfig(heavy), int64_t(codes.size()), values, codes);
  Status status = referenceStep(buf.config, buf.args());
  EXPECT_TRUE(status.ok()) << status.message;
  return heavyPart(buf, 0, 0);
}

TEST(SelectTest, EqualScoresGoToLowerIndex) {
  // Scores 1 everywhere except two 2's: k = 4 takes both 2's, then j = 0, 1.
  std::vector<int64_t> codes(12, 1);
  codes[7] = 2;
  codes[9] = 2;
  EXPECT_EQ(selectWith(4, {0, 1, 2, 3}, codes),
            (std::vector<int64_t>{0, 1, 7, 9}));
}

TEST(SelectTest, AllEqualTakesPrefix) {
  std::vector<int64_t> codes(15, 3);
  EXPECT_EQ(selectWith(5, {0, 1, 2, 3}, codes),
            (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(SelectTest, BoundaryTieSplitsByIndex) {
  // Three 3's, then 2's at j = 2, 5, 8, 11: k = 5 takes the first two 2's.
  std::vector<int64_t> codes{0, 3, 2, 3, 0, 2, 3, 1, 2, 0, 1, 2};
  EXPECT_EQ(selectWith(5, {0, 1, 2, 3}, codes),
            (std::vector<int64_t>{1, 2, 3, 5, 6}));
}

TEST(SelectTest, NegativeAndPositiveZeroAreEqual) {
  // -0 and +0 must tie, so the lower index wins regardless of sign.
  std::vector<int64_t> codes{1, 1, 0, 0, 1, 1, 1, 1, 1};
  EXPECT_EQ(selectWith(1, {-0.0f, -1.0f, -2.0f, -3.0f}, codes),
            (std::vector<int64_t>{2}));
  EXPECT_EQ(
      selectWith(1, {0.0f, -1.0f, -0.0f, -3.0f}, {2, 2, 0, 1, 1, 1, 1, 1, 1}),
      (std::vector<int64_t>{0}));
}

TEST(SelectTest, NaNRanksAsMinusInfinity) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  // NaN (code 0) loses to every real score, even -1e30.
  std::vector<int64_t> codes{0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(selectWith(2, {nan, -1e30f, 0, 0}, codes),
            (std::vector<int64_t>{0, 2}));
  // ...and ties with -inf by index: NaN at j = 0 before -inf at j = 1.
  std::vector<int64_t> mixed{0, 1, 1, 0, 0, 0, 0, 0, 0, 0};
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(selectWith(1, {nan, -inf, 0, 0}, mixed), (std::vector<int64_t>{0}));
}

TEST(SelectTest, NaNScoresAreReportedAsMinusInfinity) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  StepBuffers buf = scalarStep(selectConfig(1), 9, {nan, 1, 0, 0},
                               {0, 1, 0, 0, 0, 0, 0, 0, 0});
  std::vector<float> scores;
  ASSERT_TRUE(referenceScores(buf.config, buf.args(), scores).ok());
  ASSERT_EQ(scores.size(), 9u);
  EXPECT_EQ(scores[0], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(scores[1], 1.0f);
}

TEST(SelectTest, InfinityRanksFirst) {
  float inf = std::numeric_limits<float>::infinity();
  std::vector<int64_t> codes{1, 1, 1, 1, 1, 1, 1, 1, 0};
  EXPECT_EQ(selectWith(1, {inf, 3e38f, 0, 0}, codes),
            (std::vector<int64_t>{8}));
}

} // namespace
} // namespace test
} // namespace pqrt
