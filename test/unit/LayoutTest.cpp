//===- LayoutTest.cpp - Buffer offsets pinned to SEMANTICS.md shapes ------===//
//
// Every reader and writer goes through pqrt/Layout.h, so a wrong formula
// there would go unnoticed by the other tests; these pin each one to the
// row-major shapes of SEMANTICS.md, written out by hand.
//
//===----------------------------------------------------------------------===//

#include "pqrt/Layout.h"
#include "pqhost/StepBuffers.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

// b = 2, h = 4, h_kv = 2, d = 6, S = 3 (ds = 2), C = 4, ip (ds' = 3),
// key capacity 10, code capacity 7.
StepConfig layoutConfig() {
  StepConfig c;
  c.batch = 2;
  c.heads = 4;
  c.kvHeads = 2;
  c.headDim = 6;
  c.subspaces = 3;
  c.bits = 2;
  c.metric = Metric::InnerProduct;
  c.keyCapacity = 10;
  c.codeCapacity = 7;
  return c;
}

TEST(LayoutTest, ElementCounts) {
  StepConfig c = layoutConfig();
  EXPECT_EQ(queryElements(c), 2 * 4 * 6);
  EXPECT_EQ(keyElements(c), 2 * 2 * 10 * 6);
  EXPECT_EQ(centroidElements(c), 2 * 2 * 3 * 4 * 3);
  EXPECT_EQ(phiElements(c), 2 * 2 * 3);
  EXPECT_EQ(codebookElements(c), 2 * 7 * 2 * 3);
  EXPECT_EQ(sparseListElements(c, 9), 2 * 4 * 9);
  EXPECT_EQ(weightElements(c, 12), 2 * 4 * 12);
}

TEST(LayoutTest, InputOffsets) {
  StepConfig c = layoutConfig();
  // query [b, h, 1, d]
  EXPECT_EQ(queryOffset(c, 1, 3, 5), (1 * 4 + 3) * 6 + 5);
  // key [b, h_kv, keyCapacity, d]
  EXPECT_EQ(keyOffset(c, 1, 1, 9, 4), ((1 * 2 + 1) * 10 + 9) * 6 + 4);
  // centroids [b, h_kv, S, C, ds']
  EXPECT_EQ(centroidOffset(c, 1, 0, 2, 3, 1),
            (((1 * 2 + 0) * 3 + 2) * 4 + 3) * 3 + 1);
  // phi [b * h_kv * S]
  EXPECT_EQ(phiOffset(c, 1, 1, 2), (1 * 2 + 1) * 3 + 2);
}

TEST(LayoutTest, CodebookOffsets) {
  StepConfig c = layoutConfig();
  c.layout = CodeLayout::Seed; // [b, n_max, h_kv, S]
  EXPECT_EQ(codeOffset(c, 1, 5, 1, 2), ((1 * 7 + 5) * 2 + 1) * 3 + 2);
  EXPECT_EQ(codeType(c), ElementType::I64);
  c.layout = CodeLayout::Compact; // [b, h_kv, n_max, S]
  EXPECT_EQ(codeOffset(c, 1, 5, 1, 2), ((1 * 2 + 1) * 7 + 5) * 3 + 2);
  EXPECT_EQ(codeType(c), ElementType::U8);
}

TEST(LayoutTest, SeedCodebookRowsAreContiguousPerToken) {
  // PyTorch appends a [b, 1, h_kv, S] slice per new token: row j of batch
  // entry b is one contiguous run of h_kv * S int64 codes.
  StepConfig c = layoutConfig();
  c.layout = CodeLayout::Seed;
  StepBuffers buf(c, 10, 0);
  auto *raw = reinterpret_cast<int64_t *>(buf.codebook.data());
  for (int64_t i = 0; i < 6; ++i) {
    raw[(1 * 7 + 4) * 6 + i] = i % 4; // b = 1, row 4
  }
  for (int64_t kv = 0; kv < 2; ++kv) {
    for (int64_t s = 0; s < 3; ++s) {
      EXPECT_EQ(buf.code(1, 4, kv, s), (kv * 3 + s) % 4);
    }
  }
}

TEST(LayoutTest, OutputRowsAreContiguous) {
  StepConfig c = layoutConfig();
  c.sink = 1;
  c.window = 1;
  c.heavy = 0;
  c.initOffset = 0;
  // Full attention (sk = 3 <= 0 + 0 + 1 + 4): rows [b, h, sk] of 0, 1, 2.
  StepBuffers buf(c, 3, 0);
  c = buf.config;
  ASSERT_TRUE(referenceStep(c, buf.args()).ok());
  const auto *list = reinterpret_cast<const int64_t *>(buf.sparseList.data());
  for (int64_t row = 0; row < 8; ++row) {
    for (int64_t e = 0; e < 3; ++e) {
      EXPECT_EQ(list[row * 3 + e], e);
    }
    EXPECT_EQ(buf.sparseLen[row], 3);
  }
}

} // namespace
} // namespace test
} // namespace pqrt
