//===- CApiReferenceTest.cpp - The CPU reference through pqrt.h -----------===//
//
// pqrt_reference_* must be the C++ reference exactly: same outputs, same
// count update, same errors; and the comparison must pass a correct output
// and catch a wrong one.
//
//===----------------------------------------------------------------------===//

#include "CApiStep.h"
#include "RandomStep.h"
#include "pqrt/Reference.h"
#include "pqrt/pqrt.h"

#include <gtest/gtest.h>

#include <random>

namespace pqrt {
namespace test {
namespace {

TEST(CApiReference, MatchesTheCxxReferenceOnRandomSteps) {
  std::mt19937_64 rng(4242);
  for (int trial = 0; trial < 60; ++trial) {
    StepConfig config = randomConfig(rng);
    int64_t sk = randomSeqLen(config, rng);
    int64_t cached = randomNumCached(config, sk, rng);
    StepBuffers viaC =
        makeRandomStep(config, sk, cached, 100 + trial,
                       trial % 3 ? DataMode::Random : DataMode::Ties);
    StepBuffers viaCxx = viaC;
    pqrt_config c = cConfig(viaC.config);
    pqrt_step step = cStep(viaC);
    ASSERT_EQ(pqrt_reference_run(&c, &step), PQRT_OK) << pqrt_last_error();
    ASSERT_TRUE(referenceStep(viaCxx.config, viaCxx.args()).ok());
    EXPECT_EQ(viaC.numCached, viaCxx.numCached);
    EXPECT_EQ(viaC.sparseList, viaCxx.sparseList);
    EXPECT_EQ(viaC.sparseLen, viaCxx.sparseLen);
    EXPECT_EQ(viaC.weightList, viaCxx.weightList);
    EXPECT_EQ(viaC.codebook, viaCxx.codebook);
  }
}

TEST(CApiReference, ReportsTheReferenceErrors) {
  StepConfig config;
  config.batch = 1;
  config.heads = 4;
  config.kvHeads = 2;
  config.headDim = 16;
  config.subspaces = 2;
  config.bits = 4;
  config.sink = 2;
  config.window = 2;
  config.heavy = 4;
  config.initOffset = 2;
  StepBuffers buffers = makeRandomStep(config, 64, 10, 7);
  pqrt_config c = cConfig(buffers.config);
  pqrt_step step = cStep(buffers);
  int64_t tooMany = 63;
  step.num_cached = &tooMany;
  EXPECT_EQ(pqrt_reference_run(&c, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_STREQ(pqrt_last_error(),
               "num_cached: n_cached 63 exceeds n = sk - init_offset = 62");
  c.metric = static_cast<pqrt_metric>(7);
  EXPECT_EQ(pqrt_reference_run(&c, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_STREQ(pqrt_last_error(),
               "config.metric: 7 is not a pqrt_metric value (0 to 1)");
  c = cConfig(buffers.config);
  c.index_type = static_cast<pqrt_dtype>(-1);
  EXPECT_EQ(pqrt_reference_run(&c, &step), PQRT_INVALID_ARGUMENT);
  c = cConfig(buffers.config);
  c.index_type = PQRT_U8;
  EXPECT_EQ(pqrt_reference_run(&c, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_STREQ(pqrt_last_error(), "index_type: u8 is not i64 or i32");
}

TEST(CApiReference, ScoresAndComparisons) {
  std::mt19937_64 rng(99);
  StepConfig config = randomConfig(rng);
  config.batch = 2;
  int64_t sk = config.heavy + config.initOffset + 1 + config.centroids() + 40;
  StepBuffers reference = makeRandomStep(config, sk, 0, 5, DataMode::Ties);
  pqrt_config c = cConfig(reference.config);
  pqrt_step step = cStep(reference);
  ASSERT_EQ(pqrt_reference_run(&c, &step), PQRT_OK) << pqrt_last_error();

  const int64_t n = sk - config.initOffset;
  std::vector<float> scores(size_t(config.batch * config.heads * n));
  EXPECT_EQ(pqrt_reference_scores(&c, &step, scores.data(),
                                  int64_t(scores.size()) - 1),
            PQRT_INVALID_ARGUMENT);
  ASSERT_EQ(
      pqrt_reference_scores(&c, &step, scores.data(), int64_t(scores.size())),
      PQRT_OK)
      << pqrt_last_error();

  pqrt_outputs expected = cOutputs(reference);
  EXPECT_EQ(pqrt_reference_compare(&c, config.batch, sk, &expected,
                                   scores.data(), &expected, -1),
            PQRT_OK)
      << pqrt_last_error();
  EXPECT_EQ(pqrt_reference_compare_identical(&c, config.batch, sk, &expected,
                                             &expected),
            PQRT_OK);

  StepBuffers wrong = reference;
  wrong.sparseLen[0] += 1;
  pqrt_outputs actual = cOutputs(wrong);
  EXPECT_EQ(pqrt_reference_compare(&c, config.batch, sk, &expected,
                                   scores.data(), &actual, -1),
            PQRT_MISMATCH);
  EXPECT_NE(std::string(pqrt_last_error()).find("sparse_len"),
            std::string::npos)
      << pqrt_last_error();
  EXPECT_EQ(pqrt_reference_compare_identical(&c, config.batch, sk, &expected,
                                             &actual),
            PQRT_MISMATCH);
  EXPECT_EQ(pqrt_reference_compare(&c, config.batch, sk, nullptr, scores.data(),
                                   &actual, -1),
            PQRT_INVALID_ARGUMENT);
}

} // namespace
} // namespace test
} // namespace pqrt
