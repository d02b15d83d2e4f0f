//===- GqaTest.cpp - Query head i uses kv head i / grp --------------------===//

#include "ScalarStep.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

TEST(GqaTest, QueryHeadsShareTheirGroupsKvHead) {
  // h = 4, h_kv = 2: heads 0, 1 read kv head 0; heads 2, 3 read kv head 1.
  StepConfig c = scalarConfig(2, 0, 0, 2, 0);
  c.heads = 4;
  c.kvHeads = 2;
  // n = 10; kv 0 prefers j = 1, 2 and kv 1 prefers j = 6, 8.
  StepBuffers buf = scalarStep(c, 10, {0, 1, 2, 3}, {});
  const int64_t kv0[10] = {1, 3, 3, 1, 1, 0, 1, 1, 1, 1};
  const int64_t kv1[10] = {1, 1, 1, 1, 1, 1, 3, 0, 3, 1};
  for (int64_t j = 0; j < 10; ++j) {
    buf.setCode(0, j, 0, 0, kv0[j]);
    buf.setCode(0, j, 1, 0, kv1[j]);
  }
  // Heads 1 and 3 negate their query: they pick their kv head's lowest.
  buf.setQuery(0, 1, 0, -1.0f);
  buf.setQuery(0, 3, 0, -1.0f);
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  EXPECT_EQ(heavyPart(buf, 0, 0), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(heavyPart(buf, 0, 1), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(heavyPart(buf, 0, 2), (std::vector<int64_t>{6, 8}));
  EXPECT_EQ(heavyPart(buf, 0, 3), (std::vector<int64_t>{0, 7}));
}

TEST(GqaTest, KvHeadsUseTheirOwnCentroids) {
  // Same codes for both kv heads, but kv head 1's centroid values reversed.
  StepConfig c = scalarConfig(2, 0, 0, 1, 0);
  c.heads = 6;
  c.kvHeads = 2;
  StepBuffers buf = scalarStep(c, 8, {0, 1, 2, 3}, {0, 1, 2, 3, 0, 1, 2, 3});
  for (int64_t code = 0; code < 4; ++code) {
    buf.setCentroid(0, 1, 0, code, 0, float(3 - code));
  }
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  for (int64_t h = 0; h < 3; ++h) {
    EXPECT_EQ(heavyPart(buf, 0, h), (std::vector<int64_t>{3})) << h;
  }
  for (int64_t h = 3; h < 6; ++h) {
    EXPECT_EQ(heavyPart(buf, 0, h), (std::vector<int64_t>{0})) << h;
  }
}

TEST(GqaTest, BatchEntriesAreIndependent) {
  StepConfig c = scalarConfig(2, 0, 0, 1, 0);
  c.batch = 2;
  StepBuffers buf = scalarStep(c, 8, {0, 1, 2, 3}, {});
  buf.setCode(0, 2, 0, 0, 3);
  buf.setCode(1, 5, 0, 0, 3);
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  EXPECT_EQ(heavyPart(buf, 0, 0), (std::vector<int64_t>{2}));
  EXPECT_EQ(heavyPart(buf, 1, 0), (std::vector<int64_t>{5}));
}

} // namespace
} // namespace test
} // namespace pqrt
