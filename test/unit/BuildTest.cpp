//===- BuildTest.cpp - The CPU reference of the index build ---------------===//
//
// SEMANTICS.md "Building the index" on small hand-checked cases: Lloyd's
// means, an empty cluster, duplicate points, exact ties, the ip
// augmentation, n == C, T = 0 and 1, the early stop, the seeded rule, and
// every rejected argument (which writes nothing).
//
//===----------------------------------------------------------------------===//

#include "pqrt/Build.h"
#include "pqrt/Float16.h"
#include "pqrt/Layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace pqrt {
namespace test {
namespace {

using Point = std::vector<float>;

/// One group by default: b = 1, h_kv = 1, S = 1, head_dim 2, C = 2.
StepConfig buildConfig(int64_t points, Metric metric = Metric::Euclidean,
                       int64_t bits = 1, int64_t subspaces = 1) {
  StepConfig c;
  c.batch = 1;
  c.heads = c.kvHeads = 1;
  c.subspaces = subspaces;
  c.headDim = 2 * subspaces;
  c.bits = bits;
  c.sink = c.window = c.heavy = 0;
  c.initOffset = 1; // position 0 is not clustered
  c.metric = metric;
  c.queryType = c.centroidType = c.weightType = ElementType::F32;
  c.keyCapacity = points + 1;
  c.codeCapacity = points;
  return c;
}

/// Host buffers of one build over `points` (subspace 0; other subspaces get
/// the same values), position 0 holding a point that must be ignored.
struct Build {
  StepConfig config;
  std::vector<float> key, centroids, phi;
  std::vector<int64_t> codes;
  std::vector<uint8_t> compactCodes;
  int64_t numCached = -1, iterations = -1;
  BuildArgs args;

  Build(const StepConfig &c, const std::vector<Point> &points, int64_t iters)
      : config(c) {
    const int64_t d = c.headDim;
    key.assign(c.batch * c.kvHeads * c.keyCapacity * d, 0.0f);
    for (int64_t i = 0; i < d; ++i) {
      key[i] = 1e6f; // position 0: far from everything, never a point
    }
    for (int64_t j = 0; j < int64_t(points.size()); ++j) {
      for (int64_t i = 0; i < d; ++i) {
        key[(j + 1) * d + i] = points[j][i % points[j].size()];
      }
    }
    centroids.assign(buildGroups(c) * c.centroids() * c.centroidDim(), -7.0f);
    phi.assign(buildGroups(c), -7.0f);
    codes.assign(c.batch * c.codeCapacity * c.kvHeads * c.subspaces, -7);
    compactCodes.assign(codes.size(), 0xee);
    args.seqLen = int64_t(points.size()) + c.initOffset;
    args.kmeansIter = iters;
    args.key = key.data();
    args.centroids = centroids.data();
    args.phi = c.metric == Metric::InnerProduct ? phi.data() : nullptr;
    args.codebook = c.layout == CodeLayout::Seed
                        ? static_cast<void *>(codes.data())
                        : static_cast<void *>(compactCodes.data());
    args.numCached = &numCached;
    args.iterations = &iterations;
  }

  Status run() { return referenceBuild(config, args); }
  float centroid(int64_t c, int64_t i, int64_t s = 0) const {
    return centroids[centroidOffset(config, 0, 0, s, c, i)];
  }
  int64_t code(int64_t j, int64_t s = 0) const {
    const int64_t at = codeOffset(config, 0, j, 0, s);
    return config.layout == CodeLayout::Seed ? codes[at] : compactCodes[at];
  }
};

StepConfig seedLayout(StepConfig c) {
  c.layout = CodeLayout::Seed;
  return c;
}

TEST(BuildTest, OneLloydStepMovesCentroidsToTheMeans) {
  Build b(seedLayout(buildConfig(4)), {{0, 0}, {0, 1}, {10, 0}, {10, 1}}, 1);
  const int64_t initial[] = {0, 2};
  b.args.initial = initial;
  ASSERT_TRUE(b.run().ok());
  EXPECT_FLOAT_EQ(b.centroid(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(b.centroid(0, 1), 0.5f);
  EXPECT_FLOAT_EQ(b.centroid(1, 0), 10.0f);
  EXPECT_FLOAT_EQ(b.centroid(1, 1), 0.5f);
  EXPECT_EQ(b.code(0), 0);
  EXPECT_EQ(b.code(1), 0);
  EXPECT_EQ(b.code(2), 1);
  EXPECT_EQ(b.code(3), 1);
  EXPECT_EQ(b.numCached, 4);
  EXPECT_EQ(b.iterations, 1);
}

TEST(BuildTest, AnEmptyClusterKeepsItsCentroidAndTiesGoLow) {
  // Two identical initial points: every point is as near to centroid 1 as
  // to centroid 0, so all go to 0 and 1 is empty; it keeps (0, 0).
  Build b(seedLayout(buildConfig(3)), {{0, 0}, {0, 0}, {6, 6}}, 1);
  const int64_t initial[] = {0, 1};
  b.args.initial = initial;
  ASSERT_TRUE(b.run().ok());
  EXPECT_FLOAT_EQ(b.centroid(0, 0), 2.0f);
  EXPECT_FLOAT_EQ(b.centroid(0, 1), 2.0f);
  EXPECT_FLOAT_EQ(b.centroid(1, 0), 0.0f);
  EXPECT_FLOAT_EQ(b.centroid(1, 1), 0.0f);
  // The codes use the final centroids: (0, 0) is now nearest to 1.
  EXPECT_EQ(b.code(0), 1);
  EXPECT_EQ(b.code(1), 1);
  EXPECT_EQ(b.code(2), 0);
}

TEST(BuildTest, ExactTiesGoToTheLowestCentroid) {
  // T = 0: centroids are the initial points (0, 0) and (2, 0); (1, 0) is
  // at distance 1 from both.
  Build b(seedLayout(buildConfig(3)), {{0, 0}, {1, 0}, {2, 0}}, 0);
  const int64_t initial[] = {2, 0};
  b.args.initial = initial;
  ASSERT_TRUE(b.run().ok());
  EXPECT_FLOAT_EQ(b.centroid(0, 0), 2.0f);
  EXPECT_FLOAT_EQ(b.centroid(1, 0), 0.0f);
  EXPECT_EQ(b.code(0), 1);
  EXPECT_EQ(b.code(1), 0);
  EXPECT_EQ(b.code(2), 0);
  EXPECT_EQ(b.iterations, 0);
}

TEST(BuildTest, InnerProductAugmentsEveryPoint) {
  // phi = max ||x||^2 = 25 (the point (3, 4)); (1, 0) becomes
  // (1, 0, sqrt(24)), (3, 4) gets 0.
  Build b(seedLayout(buildConfig(2, Metric::InnerProduct)), {{1, 0}, {3, 4}},
          0);
  const int64_t initial[] = {0, 1};
  b.args.initial = initial;
  ASSERT_TRUE(b.run().ok());
  EXPECT_FLOAT_EQ(b.phi[0], 25.0f);
  EXPECT_FLOAT_EQ(b.centroid(0, 0), 1.0f);
  EXPECT_FLOAT_EQ(b.centroid(0, 2), std::sqrt(24.0f));
  EXPECT_FLOAT_EQ(b.centroid(1, 1), 4.0f);
  EXPECT_FLOAT_EQ(b.centroid(1, 2), 0.0f);
  EXPECT_EQ(b.code(0), 0);
  EXPECT_EQ(b.code(1), 1);
}

TEST(BuildTest, AsManyPointsAsCentroidsGivesEachItsOwn) {
  // n == C = 4: every centroid is a point, whatever T; codes follow the
  // initial order.
  StepConfig c = buildConfig(4, Metric::Euclidean, 2);
  Build b(c, {{0, 0}, {5, 0}, {0, 5}, {5, 5}}, 10);
  const int64_t initial[] = {3, 1, 0, 2};
  b.args.initial = initial;
  ASSERT_TRUE(b.run().ok());
  EXPECT_EQ(b.code(0), 2);
  EXPECT_EQ(b.code(1), 1);
  EXPECT_EQ(b.code(2), 3);
  EXPECT_EQ(b.code(3), 0);
  EXPECT_FLOAT_EQ(b.centroid(0, 0), 5.0f);
  EXPECT_FLOAT_EQ(b.centroid(0, 1), 5.0f);
  EXPECT_EQ(b.iterations, 1); // nothing moved: stopped after one update
}

TEST(BuildTest, StopsEarlyOnlyWhenEveryGroupHasConverged) {
  // Subspace 0 converges after its first update; subspace 1 moves on the
  // first update and again on the second, then stops.
  StepConfig c = buildConfig(4, Metric::Euclidean, 1, 2);
  Build b(c, {{0, 0}, {0, 0}, {10, 10}, {10, 10}}, 10);
  for (int64_t j = 0; j < 4; ++j) { // subspace 1: 0, 1, 2, 10 on dim 0
    const float v[] = {0, 1, 2, 10};
    b.key[(j + 1) * 4 + 2] = v[j];
    b.key[(j + 1) * 4 + 3] = 0;
  }
  const int64_t initial[] = {0, 2, 0, 1}; // group 0: points 0, 2; 1: 0, 1
  b.args.initial = initial;
  ASSERT_TRUE(b.run().ok());
  // Group 1: {0} | {1, 2, 10} -> centroids 0, 13/3; then {0, 1, 2} | {10}
  // -> 1, 10; then nothing moves: three updates.
  EXPECT_EQ(b.iterations, 3);
  EXPECT_FLOAT_EQ(b.centroid(0, 0, 1), 1.0f);
  EXPECT_FLOAT_EQ(b.centroid(1, 0, 1), 10.0f);
  EXPECT_EQ(b.code(2, 1), 0);
  EXPECT_EQ(b.code(3, 1), 1);
  b.args.kmeansIter = 1; // stopped by T, before convergence
  ASSERT_TRUE(b.run().ok());
  EXPECT_EQ(b.iterations, 1);
  EXPECT_FLOAT_EQ(b.centroid(1, 0, 1), 13.0f / 3.0f);
}

TEST(BuildTest, LayoutsHoldTheSameCodes) {
  std::vector<Point> points;
  for (int64_t j = 0; j < 40; ++j) {
    points.push_back({float((j * 7) % 13), float((j * 5) % 11)});
  }
  StepConfig compact = buildConfig(40, Metric::Euclidean, 3);
  Build a(compact, points, 5), b(seedLayout(compact), points, 5);
  a.args.seed = b.args.seed = 42;
  ASSERT_TRUE(a.run().ok());
  ASSERT_TRUE(b.run().ok());
  EXPECT_EQ(a.centroids, b.centroids);
  for (int64_t j = 0; j < 40; ++j) {
    EXPECT_EQ(a.code(j), b.code(j)) << j;
  }
}

TEST(BuildTest, Bf16CentroidsAreRoundedBeforeTheCodes) {
  // T = 0, centroids 1 + 2^-8 (a bf16 halfway case: stored as 1.0) and
  // 1 + 2^-7 (exact). The point 1.0058 is nearer to the first as computed
  // but to the second as stored, and gets the second.
  StepConfig c = seedLayout(buildConfig(4));
  c.centroidType = ElementType::BF16;
  Build b(c, {{0, 0}, {1.00390625f, 0}, {1.0078125f, 0}, {1.0058f, 0}}, 0);
  std::vector<uint16_t> bf16(b.centroids.size(), 0);
  b.args.centroids = bf16.data();
  const int64_t initial[] = {1, 2};
  b.args.initial = initial;
  ASSERT_TRUE(b.run().ok());
  EXPECT_EQ(bf16ToFloat(bf16[0]), 1.0f);
  EXPECT_EQ(bf16ToFloat(bf16[2]), 1.0078125f);
  EXPECT_EQ(b.code(3), 1);
}

TEST(BuildTest, TheSeededRuleIsDistinctInRangeAndDeterministic) {
  std::vector<int64_t> a(64), b(64), other(64);
  initialIndices(7, 3, 100, 64, a.data());
  initialIndices(7, 3, 100, 64, b.data());
  initialIndices(7, 4, 100, 64, other.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  std::set<int64_t> seen(a.begin(), a.end());
  EXPECT_EQ(seen.size(), a.size());
  EXPECT_GE(*seen.begin(), 0);
  EXPECT_LT(*seen.rbegin(), 100);
  std::vector<int64_t> all(100);
  initialIndices(1, 0, 100, 100, all.data()); // a whole permutation
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(all[i], i);
  }
}

TEST(BuildTest, TheSameInputsGiveTheSameBits) {
  std::vector<Point> points;
  for (int64_t j = 0; j < 300; ++j) {
    points.push_back({std::sin(float(j)), std::cos(float(j) * 0.7f)});
  }
  StepConfig c = buildConfig(300, Metric::InnerProduct, 4);
  Build a(c, points, 20), b(c, points, 20);
  ASSERT_TRUE(a.run().ok());
  ASSERT_TRUE(b.run().ok());
  EXPECT_EQ(a.centroids, b.centroids);
  EXPECT_EQ(a.compactCodes, b.compactCodes);
  EXPECT_EQ(a.phi, b.phi);
}

/// A rejected build writes nothing.
void expectRejected(Build &b, const std::string &message) {
  const std::vector<float> centroids = b.centroids;
  const std::vector<uint8_t> codes = b.compactCodes;
  Status status = b.run();
  EXPECT_EQ(status.code, StatusCode::InvalidArgument);
  EXPECT_NE(status.message.find(message), std::string::npos) << status.message;
  EXPECT_EQ(b.centroids, centroids);
  EXPECT_EQ(b.compactCodes, codes);
  EXPECT_EQ(b.numCached, -1);
}

TEST(BuildTest, RejectsWhatItCannotBuild) {
  std::vector<Point> three = {{0, 0}, {1, 1}, {2, 2}};
  {
    Build b(buildConfig(3, Metric::Euclidean, 2), three, 1);
    expectRejected(b, "n = sk - init_offset = 3 keys to cluster are fewer "
                      "than C = 2^bits = 4 centroids");
  }
  {
    Build b(buildConfig(3), three, -1);
    expectRejected(b, "kmeans_iter: -1 is not in [0, 1000]");
  }
  {
    Build b(buildConfig(3), three, 1);
    b.args.key = nullptr;
    expectRejected(b, "key: is null");
  }
  {
    Build b(buildConfig(3, Metric::InnerProduct), three, 1);
    b.args.phi = nullptr;
    expectRejected(b, "phi: is null");
  }
  {
    Build b(buildConfig(3), three, 1);
    b.config.codeCapacity = 2;
    expectRejected(b, "codebook: code_capacity 2 is less than n = 3");
  }
  {
    Build b(buildConfig(3), three, 1);
    b.config.keyCapacity = 3;
    expectRejected(b, "key: key_capacity 3 is less than sk 4");
  }
  {
    Build b(buildConfig(3), three, 1);
    const int64_t initial[] = {0, 3};
    b.args.initial = initial;
    expectRejected(b, "initial: group 0 has index 3 outside [0, n = 3)");
  }
  {
    Build b(buildConfig(3), three, 1);
    const int64_t initial[] = {1, 1};
    b.args.initial = initial;
    expectRejected(b, "initial: group 0 repeats point index 1");
  }
}

} // namespace
} // namespace test
} // namespace pqrt
