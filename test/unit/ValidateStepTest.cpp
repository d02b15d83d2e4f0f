//===- ValidateStepTest.cpp - One test per per-call rule ------------------===//

#include "ScalarStep.h"
#include "ValidationHelpers.h"

#include <gtest/gtest.h>

#include <limits>

namespace pqrt {
namespace test {
namespace {

TEST(ValidateStepTest, SeqLenMustBePositive) {
  StepBuffers buf = validStep();
  StepArgs args = buf.args();
  args.seqLen = 0;
  expectArgsRejected(buf, args, {"seq_len:", "sk 0"});
}

TEST(ValidateStepTest, QueryLenMustBeOne) {
  StepBuffers buf = validStep();
  StepArgs args = buf.args();
  args.queryLen = 2;
  expectArgsRejected(buf, args, {"query:", "sq 2", "sq = 1"});
}

/// A pointer that must not be null, and the name the message must use.
struct PointerRule {
  const char *name;
  void (*clear)(StepArgs &);
};

class PointerRuleTest : public ::testing::TestWithParam<PointerRule> {};

TEST_P(PointerRuleTest, NullIsRejectedWithItsName) {
  StepBuffers buf = validStep();
  StepArgs args = buf.args();
  GetParam().clear(args);
  expectArgsRejected(buf, args,
                     {std::string(GetParam().name) + ": is null", "expected"});
}

INSTANTIATE_TEST_SUITE_P(
    Pointers, PointerRuleTest,
    ::testing::Values(
        PointerRule{"sparse_list", [](StepArgs &a) { a.sparseList = nullptr; }},
        PointerRule{"sparse_len", [](StepArgs &a) { a.sparseLen = nullptr; }},
        PointerRule{"weight_list", [](StepArgs &a) { a.weightList = nullptr; }},
        PointerRule{"num_cached", [](StepArgs &a) { a.numCached = nullptr; }},
        PointerRule{"query", [](StepArgs &a) { a.query = nullptr; }},
        PointerRule{"centroids", [](StepArgs &a) { a.centroids = nullptr; }},
        PointerRule{"codebook", [](StepArgs &a) { a.codebook = nullptr; }},
        PointerRule{"phi", [](StepArgs &a) { a.phi = nullptr; }},
        PointerRule{"key", [](StepArgs &a) { a.key = nullptr; }}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(ValidateStepTest, KeyMayBeNullWhenNothingIsQuantized) {
  StepBuffers buf = validStep();
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  ASSERT_EQ(buf.numCached, buf.indexedKeys());
  // The same sk again: every key is coded, so the key cache is not read.
  StepArgs args = buf.args();
  args.key = nullptr;
  Status status = referenceStep(buf.config, args);
  EXPECT_TRUE(status.ok()) << status.message;
}

TEST(ValidateStepTest, NumCachedMustNotBeNegative) {
  StepBuffers buf = validStep();
  buf.numCached = -1;
  expectArgsRejected(buf, buf.args(), {"num_cached:", "n_cached -1"});
}

TEST(ValidateStepTest, NumCachedMustNotExceedN) {
  // threshold 2 + 2 + 1 + 2 = 7; sk = 10: n = 8.
  StepBuffers buf = scalarStep(scalarConfig(1, 0, 0, 2, 2), 10, {}, {});
  buf.numCached = 10;
  expectArgsRejected(
      buf, buf.args(),
      {"num_cached: n_cached 10 exceeds n = sk - init_offset = 8"});
}

TEST(ValidateStepTest, KeyCapacityMustCoverSeqLen) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.keyCapacity = 18;
  expectRejected(buf, {"key: key_capacity 18 is less than sk 19"},
                 [&] { return referenceStep(c, buf.args()); });
}

TEST(ValidateStepTest, CodeCapacityMustCoverN) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.codeCapacity = 16;
  expectRejected(
      buf,
      {"codebook: code_capacity 16 is less than n = sk - init_offset = 17"},
      [&] { return referenceStep(c, buf.args()); });
}

TEST(ValidateStepTest, CachedCodesMustBeInRange) {
  StepBuffers buf = validStep(); // compact, C = 8
  buf.setCode(1, 13, 1, 1, 9);
  expectArgsRejected(
      buf, buf.args(),
      {"codebook: code 9 at b 1, row 13, kv head 1, subspace 1", "[0, 8)"});
}

TEST(ValidateStepTest, SeedCodesMustNotBeNegative) {
  StepConfig c = validStep().config;
  c.layout = CodeLayout::Seed;
  StepBuffers buf = makeRandomStep(c, 19, 14, 42);
  buf.setCode(0, 0, 0, 0, -1);
  expectArgsRejected(buf, buf.args(), {"codebook: code -1", "[0, 8)"});
}

TEST(ValidateStepTest, I32IndicesMustHoldEveryPosition) {
  StepConfig c = validStep().config;
  c.indexType = ElementType::I32;
  StepArgs args;
  int64_t dummy = 0;
  args.seqLen = int64_t(std::numeric_limits<int32_t>::max()) + 1;
  args.sparseList = args.weightList = &dummy;
  args.sparseLen = &dummy;
  Status status = validateStep(c, args);
  EXPECT_EQ(status.code, StatusCode::InvalidArgument);
  EXPECT_NE(status.message.find("index_type: i32"), std::string::npos)
      << status.message;
}

TEST(ValidateStepTest, ScoresNeedEveryKeyQuantized) {
  StepBuffers buf = validStep();
  std::vector<float> scores;
  expectRejected(
      buf, {"num_cached: n_cached 14 is not n = sk - init_offset = 17"},
      [&] { return referenceScores(buf.config, buf.args(), scores); });
  EXPECT_TRUE(scores.empty());
}

TEST(ValidateStepTest, ScoresValidateTheConfig) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.kvHeads = 3;
  std::vector<float> scores;
  expectRejected(buf, {"kv_heads:"},
                 [&] { return referenceScores(c, buf.args(), scores); });
}

} // namespace
} // namespace test
} // namespace pqrt
