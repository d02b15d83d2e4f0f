//===- QuantizeTest.cpp - Codes of new keys (SEMANTICS step 2) ------------===//

#include "pqhost/StepBuffers.h"
#include "pqrt/Float16.h"

#include <gtest/gtest.h>

#include <limits>

namespace pqrt {
namespace test {
namespace {

using Vec = std::vector<float>;

/// d = 2 per subspace, C = 4, no sink/window/heavy: sk = 6 is past the
/// threshold 0 + 0 + 1 + 4, n = 6 - initOffset.
StepConfig quantConfig(Metric metric, int64_t subspaces = 1,
                       int64_t kvHeads = 1) {
  StepConfig c;
  c.batch = 1;
  c.heads = c.kvHeads = kvHeads;
  c.subspaces = subspaces;
  c.headDim = 2 * subspaces;
  c.bits = 2;
  c.sink = c.window = c.heavy = c.initOffset = 0;
  c.metric = metric;
  c.queryType = c.centroidType = c.weightType = ElementType::F32;
  return c;
}

void setCentroids(StepBuffers &buf, int64_t kv, int64_t s,
                  const std::vector<Vec> &centroids) {
  for (int64_t c = 0; c < int64_t(centroids.size()); ++c) {
    for (int64_t i = 0; i < int64_t(centroids[c].size()); ++i) {
      buf.setCentroid(0, kv, s, c, i, centroids[c][i]);
    }
  }
}

void setKeys(StepBuffers &buf, int64_t kv, int64_t s, const Vec &x) {
  for (int64_t p = 0; p < buf.config.keyCapacity; ++p) {
    buf.setKey(0, kv, p, 2 * s, x[0]);
    buf.setKey(0, kv, p, 2 * s + 1, x[1]);
  }
}

/// Quantizes every key (n_cached = 0) and returns the code of row 0.
int64_t firstCode(StepBuffers &buf, int64_t kv = 0, int64_t s = 0) {
  Status status = referenceStep(buf.config, buf.args());
  EXPECT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(buf.numCached, buf.indexedKeys());
  return buf.code(0, 0, kv, s);
}

TEST(QuantizeTest, EuclideanTakesNearest) {
  StepBuffers buf(quantConfig(Metric::Euclidean), 6, 0);
  setCentroids(buf, 0, 0, {{1, 0}, {0, 0}, {3, 3}, {3, 3}});
  setKeys(buf, 0, 0, {1, 0});
  EXPECT_EQ(firstCode(buf), 0);
}

TEST(QuantizeTest, InnerProductAugmentationChangesArgmin) {
  // Same key, same first two centroid dimensions as above; phi = 5 appends
  // sqrt(5 - 1) = 2, which is nearer to centroid 1's augmented 2.
  // Centroid 2 would win for an augmented value of 4 (phi - norm unrooted).
  StepBuffers buf(quantConfig(Metric::InnerProduct), 6, 0);
  setCentroids(buf, 0, 0, {{1, 0, 0}, {0, 0, 2}, {0, 0, 4}, {3, 3, 0}});
  setKeys(buf, 0, 0, {1, 0});
  buf.setPhi(0, 0, 0, 5.0f);
  EXPECT_EQ(firstCode(buf), 1);
}

TEST(QuantizeTest, InnerProductClampsNegativeGap) {
  // phi = 0.5 < ||x||^2 = 1: the augmented value is 0, not NaN.
  StepBuffers buf(quantConfig(Metric::InnerProduct), 6, 0);
  setCentroids(buf, 0, 0, {{1, 0, 0}, {0, 0, 2}, {3, 3, 0}, {3, 3, 0}});
  setKeys(buf, 0, 0, {1, 0});
  buf.setPhi(0, 0, 0, 0.5f);
  EXPECT_EQ(firstCode(buf), 0);
}

TEST(QuantizeTest, PhiIsIndexedByKvHeadAndSubspace) {
  StepBuffers buf(quantConfig(Metric::InnerProduct, 2, 2), 6, 0);
  const float phi[2][2] = {{5, 0.5f}, {0.5f, 5}};
  for (int64_t kv = 0; kv < 2; ++kv) {
    for (int64_t s = 0; s < 2; ++s) {
      setCentroids(buf, kv, s, {{1, 0, 0}, {0, 0, 2}, {3, 3, 0}, {3, 3, 0}});
      setKeys(buf, kv, s, {1, 0});
      buf.setPhi(0, kv, s, phi[kv][s]);
    }
  }
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  EXPECT_EQ(buf.code(0, 3, 0, 0), 1);
  EXPECT_EQ(buf.code(0, 3, 0, 1), 0);
  EXPECT_EQ(buf.code(0, 3, 1, 0), 0);
  EXPECT_EQ(buf.code(0, 3, 1, 1), 1);
}

TEST(QuantizeTest, EquidistantGoesToLowestCode) {
  StepBuffers buf(quantConfig(Metric::Euclidean), 6, 0);
  setCentroids(buf, 0, 0, {{5, 5}, {1, 0}, {0, 1}, {-1, 0}});
  setKeys(buf, 0, 0, {0, 0});
  EXPECT_EQ(firstCode(buf), 1);
}

TEST(QuantizeTest, DuplicatedCentroidsGoToLowestCode) {
  StepBuffers buf(quantConfig(Metric::Euclidean), 6, 0);
  setCentroids(buf, 0, 0, {{9, 9}, {9, 9}, {2, 2}, {2, 2}});
  setKeys(buf, 0, 0, {2, 2});
  EXPECT_EQ(firstCode(buf), 2);
}

TEST(QuantizeTest, NaNKeyGetsCodeZero) {
  StepBuffers buf(quantConfig(Metric::Euclidean), 6, 0);
  setCentroids(buf, 0, 0, {{9, 9}, {1, 1}, {2, 2}, {3, 3}});
  setKeys(buf, 0, 0, {std::numeric_limits<float>::quiet_NaN(), 1});
  EXPECT_EQ(firstCode(buf), 0);
}

TEST(QuantizeTest, OnlyNewRowsAreWritten) {
  StepConfig c = quantConfig(Metric::Euclidean);
  c.initOffset = 2;
  c.codeCapacity = 8;
  // sk = 9: n = 7; rows 0..3 cached, keys at positions 6..8 are new.
  StepBuffers buf(c, 9, 4);
  setCentroids(buf, 0, 0, {{0, 0}, {1, 1}, {2, 2}, {3, 3}});
  float nan = std::numeric_limits<float>::quiet_NaN();
  for (int64_t p = 0; p < 9; ++p) {
    float v = p < 6 ? nan : float(p - 6); // cached keys must not be read
    buf.setKey(0, 0, p, 0, v);
    buf.setKey(0, 0, p, 1, v);
  }
  for (int64_t j = 0; j < 4; ++j) {
    buf.setCode(0, j, 0, 0, 3);
  }
  ASSERT_TRUE(referenceStep(buf.config, buf.args()).ok());
  EXPECT_EQ(buf.numCached, 7);
  for (int64_t j = 0; j < 4; ++j) {
    EXPECT_EQ(buf.code(0, j, 0, 0), 3) << j;
  }
  EXPECT_EQ(buf.code(0, 4, 0, 0), 0);
  EXPECT_EQ(buf.code(0, 5, 0, 0), 1);
  EXPECT_EQ(buf.code(0, 6, 0, 0), 2);
  EXPECT_EQ(buf.code(0, 7, 0, 0), kSentinel); // spare capacity untouched
}

TEST(QuantizeTest, BF16KeysAreWidenedExactly) {
  StepConfig c = quantConfig(Metric::Euclidean);
  c.queryType = ElementType::BF16;
  StepBuffers buf(c, 6, 0);
  // bf16 0x3F81 = 1.0078125 is nearer 1.01 than 1.0; a key read as 1.0
  // (truncated or misconverted) would pick code 0.
  setCentroids(buf, 0, 0, {{1.0f, 0}, {1.01f, 0}, {5, 5}, {5, 5}});
  setKeys(buf, 0, 0, {bf16ToFloat(0x3F81), 0});
  EXPECT_EQ(buf.keyValue(0, 0, 0, 0), 1.0078125f);
  EXPECT_EQ(firstCode(buf), 1);
}

TEST(QuantizeTest, BF16CentroidsAreWidenedExactly) {
  StepConfig c = quantConfig(Metric::Euclidean);
  c.centroidType = ElementType::BF16;
  StepBuffers buf(c, 6, 0);
  // 1.01 is stored as bf16 1.0078125, moving the midpoint to 1.00390625:
  // 1.0045 picks code 1 (with an fp32 1.01 it would pick code 0).
  setCentroids(buf, 0, 0, {{1.0f, 0}, {1.01f, 0}, {5, 5}, {5, 5}});
  setKeys(buf, 0, 0, {1.0045f, 0});
  EXPECT_EQ(firstCode(buf), 1);
  setKeys(buf, 0, 0, {1.0035f, 0});
  buf.numCached = 0;
  EXPECT_EQ(firstCode(buf), 0);
}

} // namespace
} // namespace test
} // namespace pqrt
