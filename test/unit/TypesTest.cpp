//===- TypesTest.cpp - Layouts, element types and conversions -------------===//
//
// The logical result must not depend on the codebook layout, the weight
// dtype or the index width; 16-bit inputs are widened exactly.
//
//===----------------------------------------------------------------------===//

#include "RandomStep.h"
#include "ScalarStep.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

void expectSameLogicalOutputs(const StepBuffers &a, const StepBuffers &b) {
  ASSERT_EQ(a.total, b.total);
  for (int64_t bi = 0; bi < a.config.batch; ++bi) {
    for (int64_t h = 0; h < a.config.heads; ++h) {
      EXPECT_EQ(a.listRow(bi, h), b.listRow(bi, h)) << bi << " " << h;
      EXPECT_EQ(a.weightRow(bi, h), b.weightRow(bi, h)) << bi << " " << h;
      EXPECT_EQ(a.lenAt(bi, h), b.lenAt(bi, h));
    }
  }
}

StepBuffers runRandom(const StepConfig &config, int64_t sk, int64_t cached,
                      uint64_t seed, DataMode mode) {
  StepBuffers buf = makeRandomStep(config, sk, cached, seed, mode);
  Status status = referenceStep(buf.config, buf.args());
  EXPECT_TRUE(status.ok()) << status.message;
  return buf;
}

TEST(TypesTest, BothLayoutsGiveIdenticalOutputsAndCodes) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    StepConfig c = randomConfig(rng);
    int64_t sk = randomSeqLen(c, rng);
    int64_t cached = randomNumCached(c, sk, rng);
    DataMode mode = trial % 2 ? DataMode::Ties : DataMode::Random;
    c.layout = CodeLayout::Seed;
    StepBuffers seed = runRandom(c, sk, cached, trial, mode);
    c.layout = CodeLayout::Compact;
    StepBuffers compact = runRandom(c, sk, cached, trial, mode);
    expectSameLogicalOutputs(seed, compact);
    ASSERT_EQ(seed.numCached, compact.numCached);
    for (int64_t j = 0; j < seed.numCached; ++j) {
      for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
        for (int64_t s = 0; s < c.subspaces; ++s) {
          ASSERT_EQ(seed.code(0, j, kv, s), compact.code(0, j, kv, s));
        }
      }
    }
  }
}

TEST(TypesTest, EveryWeightTypeAndIndexTypeAgree) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 10; ++trial) {
    StepConfig c = randomConfig(rng);
    int64_t sk = randomSeqLen(c, rng);
    int64_t cached = randomNumCached(c, sk, rng);
    c.weightType = ElementType::F32;
    c.indexType = ElementType::I64;
    StepBuffers base = runRandom(c, sk, cached, trial, DataMode::Ties);
    for (ElementType weight :
         {ElementType::F32, ElementType::F16, ElementType::BF16}) {
      for (ElementType index : {ElementType::I32, ElementType::I64}) {
        c.weightType = weight;
        c.indexType = index;
        expectSameLogicalOutputs(
            base, runRandom(c, sk, cached, trial, DataMode::Ties));
      }
    }
  }
}

TEST(TypesTest, WeightOneHasTheRightBits) {
  StepConfig c = scalarConfig(1, 1, 1, 1, 1);
  for (auto [type, one] : {std::pair{ElementType::F16, 0x3C00},
                           std::pair{ElementType::BF16, 0x3F80}}) {
    c.weightType = type;
    c.indexType = ElementType::I32;
    StepBuffers buf = scalarStep(c, 6, {0, 1}, {0, 1, 0, 0, 0});
    ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
    const auto *w = reinterpret_cast<const uint16_t *>(buf.weightList.data());
    const auto *list = reinterpret_cast<const int32_t *>(buf.sparseList.data());
    EXPECT_EQ(std::vector<int32_t>(list, list + 3),
              (std::vector<int32_t>{0, 2, 5}));
    EXPECT_EQ(std::vector<uint16_t>(w, w + 6),
              (std::vector<uint16_t>{uint16_t(one), 0, uint16_t(one), 0, 0,
                                     uint16_t(one)}));
  }
}

TEST(TypesTest, SixteenBitQueriesAreWidenedExactly) {
  // Scores equal query * 3 exactly: the stored query, widened, times 3.
  struct Case {
    ElementType type;
    float stored; // 1.01 rounded to the type
  } cases[] = {{ElementType::F32, 1.01f},
               {ElementType::BF16, 1.0078125f},
               {ElementType::F16, 1.009765625f}};
  for (const Case &cs : cases) {
    StepConfig c = scalarConfig(1, 0, 0, 1, 0);
    c.queryType = cs.type;
    StepBuffers buf = scalarStep(c, 5, {3.0f, 0}, {0, 0, 0, 0, 0});
    buf.setQuery(0, 0, 0, 1.01f);
    std::vector<float> scores;
    ASSERT_TRUE(referenceScores(buf.config, buf.args(), scores).ok());
    EXPECT_EQ(scores[0], cs.stored * 3.0f) << elementTypeName(cs.type);
  }
}

TEST(TypesTest, ScoresSumSubspacesOfDotProducts) {
  // d = 4, S = 2: score = q0*c00 + q1*c01 + q2*c10 + q3*c11 by subspace.
  StepConfig c = scalarConfig(1, 0, 0, 1, 0);
  c.headDim = 4;
  c.subspaces = 2;
  StepBuffers buf(c, 5, 5);
  const float q[4] = {1, 2, 3, 4};
  for (int64_t i = 0; i < 4; ++i) {
    buf.setQuery(0, 0, i, q[i]);
  }
  buf.setCentroid(0, 0, 0, 1, 0, 0.5f);
  buf.setCentroid(0, 0, 0, 1, 1, -1.0f);
  buf.setCentroid(0, 0, 1, 1, 0, 2.0f);
  buf.setCentroid(0, 0, 1, 1, 1, 0.25f);
  buf.setCode(0, 1, 0, 0, 1); // row 1: (1, 0) -> (0.5 - 2) + 0
  buf.setCode(0, 2, 0, 1, 1); // row 2: (0, 1) -> 0 + (6 + 1)
  std::vector<float> scores;
  ASSERT_TRUE(referenceScores(buf.config, buf.args(), scores).ok());
  EXPECT_EQ(scores, (std::vector<float>{0, -1.5f, 7.0f, 0, 0}));
}

} // namespace
} // namespace test
} // namespace pqrt
