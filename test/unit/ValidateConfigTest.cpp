//===- ValidateConfigTest.cpp - One test per static rule ------------------===//

#include "ValidationHelpers.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

TEST(ValidateConfigTest, TheValidStepIsAccepted) {
  StepBuffers buf = validStep();
  ASSERT_TRUE(validateConfig(buf.config).ok());
  Status status = referenceStep(buf.config, buf.args());
  EXPECT_TRUE(status.ok()) << status.message;
}

/// A field that must be at least some minimum.
struct SizeRule {
  const char *name;
  int64_t StepConfig::*field;
  int64_t bad;
};

class SizeRuleTest : public ::testing::TestWithParam<SizeRule> {};

TEST_P(SizeRuleTest, IsRejectedWithItsName) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.*GetParam().field = GetParam().bad;
  expectConfigRejected(buf, c,
                       {std::string(GetParam().name) + ":",
                        std::to_string(GetParam().bad), "must be at least"});
}

INSTANTIATE_TEST_SUITE_P(
    Fields, SizeRuleTest,
    ::testing::Values(SizeRule{"batch", &StepConfig::batch, 0},
                      SizeRule{"heads", &StepConfig::heads, 0},
                      SizeRule{"kv_heads", &StepConfig::kvHeads, 0},
                      SizeRule{"head_dim", &StepConfig::headDim, 0},
                      SizeRule{"subspaces", &StepConfig::subspaces, 0},
                      SizeRule{"sink", &StepConfig::sink, -1},
                      SizeRule{"window", &StepConfig::window, -1},
                      SizeRule{"heavy", &StepConfig::heavy, -1},
                      SizeRule{"init_offset", &StepConfig::initOffset, -1},
                      SizeRule{"code_capacity", &StepConfig::codeCapacity, -1},
                      SizeRule{"key_capacity", &StepConfig::keyCapacity, -1}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(ValidateConfigTest, HeadsMustBeDivisibleByKvHeads) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.kvHeads = 3;
  expectConfigRejected(buf, c, {"kv_heads:", "h 4", "h_kv 3"});
}

TEST(ValidateConfigTest, HeadDimMustBeDivisibleBySubspaces) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.headDim = 96;
  c.subspaces = 5;
  expectConfigRejected(
      buf, c, {"head_dim: d 96 is not divisible by pq_group_factor 5"});
}

TEST(ValidateConfigTest, BitsMustBeInRange) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.layout = CodeLayout::Seed;
  c.bits = 0;
  expectConfigRejected(buf, c, {"bits:", "pq_bits 0", "[1, 16]"});
  c.bits = 17;
  expectConfigRejected(buf, c, {"bits:", "pq_bits 17", "[1, 16]"});
}

TEST(ValidateConfigTest, CompactLayoutNeedsAtMostEightBits) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.bits = 9;
  expectConfigRejected(buf, c, {"codebook:", "pq_bits 9", "pq_bits <= 8"});
  c.layout = CodeLayout::Seed; // int64 codes hold 9 bits
  EXPECT_TRUE(validateConfig(c).ok());
}

TEST(ValidateConfigTest, MetricMustBeKnown) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.metric = static_cast<Metric>(7);
  expectConfigRejected(buf, c, {"metric:", "euclidean or ip"});
}

TEST(ValidateConfigTest, LayoutMustBeKnown) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.layout = static_cast<CodeLayout>(5);
  expectConfigRejected(buf, c, {"layout:", "seed or compact"});
}

TEST(ValidateConfigTest, QueryTypeMustBeFloat) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.queryType = ElementType::I32;
  expectConfigRejected(buf, c, {"query_type:", "i32", "f32, f16 or bf16"});
}

TEST(ValidateConfigTest, CentroidTypeMustBeF32OrBF16) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.centroidType = ElementType::F16;
  expectConfigRejected(buf, c, {"centroid_type:", "f16", "f32 or bf16"});
}

TEST(ValidateConfigTest, WeightTypeMustBeFloat) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.weightType = ElementType::I64;
  expectConfigRejected(buf, c, {"weight_type:", "i64", "f32, f16 or bf16"});
}

TEST(ValidateConfigTest, IndexTypeMustBeI64OrI32) {
  StepBuffers buf = validStep();
  StepConfig c = buf.config;
  c.indexType = ElementType::U8;
  expectConfigRejected(buf, c, {"index_type:", "u8", "i64 or i32"});
  c.indexType = ElementType::F32;
  expectConfigRejected(buf, c, {"index_type:", "f32"});
}

} // namespace
} // namespace test
} // namespace pqrt
