//===- CompareTest.cpp - The tie-aware comparison -------------------------===//

#include "RandomStep.h"
#include "ScalarStep.h"
#include "pqrt/Layout.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

/// A reference run plus a copy of its outputs to tamper with.
struct Fixture {
  StepBuffers ref, alt;
  std::vector<float> scores;

  explicit Fixture(StepBuffers buffers) : ref(std::move(buffers)), alt(ref) {
    Status status = referenceStep(ref.config, ref.args());
    EXPECT_TRUE(status.ok()) << status.message;
    if (!isFullAttention(ref.config, ref.seqLen)) {
      EXPECT_TRUE(referenceScores(ref.config, ref.args(), scores).ok());
    }
    alt.sparseList = ref.sparseList;
    alt.sparseLen = ref.sparseLen;
    alt.weightList = ref.weightList;
  }
  Status compare(const CompareOptions &options = {}) const {
    return compareOutputs(ref.config, ref.seqLen, ref.outputs(),
                          scores.empty() ? nullptr : scores.data(),
                          alt.outputs(), options);
  }
  /// Rewrites row (b, h) of `alt` as this list, with matching weights.
  void setRow(int64_t b, int64_t h, const std::vector<int64_t> &list) {
    const StepConfig &c = alt.config;
    int64_t row = b * c.heads + h;
    for (int64_t p = 0; p < alt.seqLen; ++p) {
      storeFloat(c.weightType, alt.weightList.data(), row * alt.seqLen + p, 0);
    }
    for (int64_t e = 0; e < int64_t(list.size()); ++e) {
      storeInt(c.indexType, alt.sparseList.data(), row * alt.total + e,
               list[e]);
      storeFloat(c.weightType, alt.weightList.data(),
                 row * alt.seqLen + list[e], 1.0f);
    }
  }
  void setWeight(int64_t b, int64_t h, int64_t p, float value) {
    storeFloat(alt.config.weightType, alt.weightList.data(),
               (b * alt.config.heads + h) * alt.seqLen + p, value);
  }
};

void expectMismatch(const Status &status,
                    const std::vector<std::string> &parts) {
  EXPECT_EQ(status.code, StatusCode::Mismatch) << status.message;
  for (const std::string &part : parts) {
    EXPECT_NE(status.message.find(part), std::string::npos)
        << "'" << part << "' not in: " << status.message;
  }
}

// sink 1, window 1, heavy 2, init_offset 1, C = 4; sk = 10: n = 9, ws = 8.
// Scores by j: 3 at j = 1, 4, 6; 2 at j = 2; 0 elsewhere. Reference heavy:
// j = 1, 4 (positions 2, 5). List [0, 2, 5, 9].
Fixture tieFixture() {
  StepConfig c = scalarConfig(2, 1, 1, 2, 1);
  return Fixture(scalarStep(c, 10, {0, 1, 2, 3}, {0, 3, 2, 0, 3, 0, 3, 0, 0}));
}

TEST(CompareTest, AcceptsTheReferenceItself) {
  Fixture f = tieFixture();
  ASSERT_EQ(f.ref.listRow(0, 0), (std::vector<int64_t>{0, 2, 5, 9}));
  EXPECT_TRUE(f.compare().ok()) << f.compare().message;
}

TEST(CompareTest, AcceptsAnotherTieBreak) {
  Fixture f = tieFixture();
  f.setRow(0, 0, {0, 5, 7, 9}); // j = 4, 6: also two scores of 3
  Status status = f.compare();
  EXPECT_TRUE(status.ok()) << status.message;
}

TEST(CompareTest, AcceptsScoresWithinTolerance) {
  // j = 6 scores 3 * (1 - 1e-6) instead of 3: a rounding-level difference.
  StepConfig c = scalarConfig(2, 1, 1, 2, 1);
  Fixture f(scalarStep(c, 10, {0, 3.0f * (1 - 1e-6f), 2, 3},
                       {0, 3, 2, 0, 3, 0, 1, 0, 0}));
  f.setRow(0, 0, {0, 2, 7, 9});
  EXPECT_TRUE(f.compare().ok()) << f.compare().message;
  CompareOptions strict;
  strict.relativeTolerance = 0;
  expectMismatch(f.compare(strict), {"heavy", "rank 1"});
}

TEST(CompareTest, RejectsALowerScoringHeavySet) {
  Fixture f = tieFixture();
  f.setRow(0, 0, {0, 2, 3, 9}); // j = 2 scores 2, not 3
  expectMismatch(f.compare(),
                 {"sparse_list", "b 0, h 0", "heavy", "position 3"});
}

TEST(CompareTest, RejectsAMaskedHeavyEntry) {
  Fixture f = tieFixture();
  f.setRow(0, 0, {0, 2, 9, 9}); // j = 8 is in the window: -inf
  expectMismatch(f.compare(), {"heavy", "-inf"});
}

TEST(CompareTest, RejectsUnsortedOrOutOfRangeHeavy) {
  Fixture f = tieFixture();
  f.setRow(0, 0, {0, 5, 2, 9});
  expectMismatch(f.compare(), {"entry 2", "ascend"});
  f.setRow(0, 0, {0, 0, 2, 9});
  expectMismatch(f.compare(), {"entry 1", "outside"});
}

TEST(CompareTest, RejectsWrongWindowAndSink) {
  Fixture f = tieFixture();
  f.setRow(0, 0, {0, 2, 5, 8});
  expectMismatch(f.compare(), {"window part", "expected 9, got 8"});
  f.setRow(0, 0, {1, 2, 5, 9});
  expectMismatch(f.compare(), {"sink part", "entry 0"});
}

TEST(CompareTest, RejectsWrongWeights) {
  Fixture f = tieFixture();
  f.setWeight(0, 0, 5, 0.0f);
  expectMismatch(f.compare(), {"weight_list", "position 5", "expected 1"});
  f = tieFixture();
  f.setWeight(0, 0, 4, 1.0f);
  expectMismatch(f.compare(), {"weight_list", "position 4", "not listed"});
  f = tieFixture();
  f.setWeight(0, 0, 2, 0.5f);
  expectMismatch(f.compare(), {"weight_list", "got 0.5"});
}

TEST(CompareTest, RejectsWrongSparseLen) {
  Fixture f = tieFixture();
  f.alt.sparseLen[0] = 5;
  expectMismatch(f.compare(), {"sparse_len", "expected total 4, got 5"});
}

TEST(CompareTest, RejectsEqualScoresWithAnotherRowSum) {
  // init_offset 1 < sink 4: j = 0 (position 1) doubles a sink position.
  // Swapping it for the equal-scored j = 5 (position 6) keeps the sorted
  // scores but changes the number of distinct positions: not allowed.
  StepConfig c = scalarConfig(1, 4, 1, 1, 1);
  Fixture f(scalarStep(c, 8, {0, 1}, {1, 0, 0, 0, 0, 1, 0}));
  ASSERT_EQ(f.ref.listRow(0, 0), (std::vector<int64_t>{0, 1, 2, 3, 1, 7}));
  f.setRow(0, 0, {0, 1, 2, 3, 6, 7});
  expectMismatch(f.compare(), {"weight_list", "row sum expected 5, got 6"});
}

TEST(CompareTest, NamesTheFirstMismatchingRow) {
  std::mt19937_64 rng(3);
  StepConfig c = scalarConfig(2, 1, 1, 2, 1);
  c.batch = 2;
  c.heads = 3;
  c.weightType = ElementType::BF16;
  c.indexType = ElementType::I32;
  Fixture f(makeRandomStep(c, 12, 11, 5, DataMode::Random));
  ASSERT_TRUE(f.compare().ok());
  std::vector<int64_t> row = f.alt.listRow(1, 2);
  row.back() = 0;
  f.setRow(1, 2, row);
  expectMismatch(f.compare(), {"sparse_list: b 1, h 2", "window part"});
}

TEST(CompareTest, FullAttentionRowsMustBeExact) {
  Fixture f(scalarStep(scalarConfig(2, 1, 1, 2, 1), 6, {}, {}));
  EXPECT_TRUE(f.compare().ok());
  f.setRow(0, 0, {0, 1, 2, 3, 5, 5});
  expectMismatch(f.compare(), {"full part", "entry 4"});
}

TEST(CompareTest, RejectsUnusableArguments) {
  Fixture f = tieFixture();
  Status status = compareOutputs(f.ref.config, f.ref.seqLen, f.ref.outputs(),
                                 nullptr, f.alt.outputs());
  EXPECT_EQ(status.code, StatusCode::InvalidArgument);
  EXPECT_NE(status.message.find("scores"), std::string::npos);
  StepOutputs broken = f.alt.outputs();
  broken.weightList = nullptr;
  status = compareOutputs(f.ref.config, f.ref.seqLen, f.ref.outputs(),
                          f.scores.data(), broken);
  EXPECT_EQ(status.code, StatusCode::InvalidArgument);
  EXPECT_NE(status.message.find("actual"), std::string::npos);
}

TEST(CompareTest, IdenticalDetectsAnyBitFlip) {
  Fixture f = tieFixture();
  const StepConfig &c = f.ref.config;
  EXPECT_TRUE(compareIdentical(c, 10, f.ref.outputs(), f.alt.outputs()).ok());
  f.setRow(0, 0, {0, 5, 7, 9}); // a valid alternative is still not identical
  expectMismatch(compareIdentical(c, 10, f.ref.outputs(), f.alt.outputs()),
                 {"sparse_list: b 0, h 0, entry 1"});
  f = tieFixture();
  f.setWeight(0, 0, 3, -0.0f);
  expectMismatch(compareIdentical(c, 10, f.ref.outputs(), f.alt.outputs()),
                 {"weight_list", "position 3"});
}

} // namespace
} // namespace test
} // namespace pqrt
