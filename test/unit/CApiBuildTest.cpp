//===- CApiBuildTest.cpp - pqrt_reference_build through the C API ---------===//
//
// The C entry point of the index build gives the C++ reference's bits,
// checks its struct like every other, reports errors by name through
// pqrt_last_error and writes nothing then.
//
//===----------------------------------------------------------------------===//

#include "pqrt/Build.h"
#include "pqrt/pqrt.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace pqrt {
namespace test {
namespace {

std::string lastError() { return pqrt_last_error(); }

/// b 2, h_kv 2, d 8, S 2 (ds 4), C 8, ip, compact codes, 50 keys after an
/// init_offset of 4.
struct CBuild {
  pqrt_config config;
  pqrt_build build;
  std::vector<float> key, centroids, phi;
  std::vector<uint8_t> codes;
  int64_t numCached = -1, iterations = -1;

  CBuild() {
    pqrt_config_init(&config);
    config.heads = 4;
    config.kv_heads = 2;
    config.head_dim = 8;
    config.subspaces = 2;
    config.bits = 3;
    config.init_offset = 4;
    config.metric = PQRT_METRIC_IP;
    config.layout = PQRT_LAYOUT_COMPACT;
    config.query_type = PQRT_F32;
    config.centroid_type = PQRT_F32;
    config.weight_type = PQRT_F32;
    config.index_type = PQRT_I64;
    const int64_t b = 2, kv = 2, sk = 54, d = 8;
    key.resize(b * kv * sk * d);
    for (size_t i = 0; i < key.size(); ++i) {
      key[i] = std::sin(0.37f * float(i)) * float(1 + i % 5);
    }
    centroids.assign(b * kv * 2 * 8 * 5, 0.0f);
    phi.assign(b * kv * 2, 0.0f);
    codes.assign(b * kv * 50 * 2, 0);
    pqrt_build_init(&build);
    build.batch = b;
    build.seq_len = sk;
    build.key_capacity = sk;
    build.code_capacity = 50;
    build.kmeans_iter = 10;
    build.seed = 5;
    build.key = key.data();
    build.centroids = centroids.data();
    build.phi = phi.data();
    build.codebook = codes.data();
    build.num_cached = &numCached;
    build.iterations = &iterations;
  }
};

TEST(CApiBuild, MatchesTheReferenceBitForBit) {
  CBuild c;
  ASSERT_EQ(pqrt_reference_build(&c.config, &c.build), PQRT_OK) << lastError();
  EXPECT_EQ(c.numCached, 50);
  EXPECT_GE(c.iterations, 1);
  EXPECT_LE(c.iterations, 10);

  StepConfig config;
  config.batch = 2;
  config.heads = 4;
  config.kvHeads = 2;
  config.headDim = 8;
  config.subspaces = 2;
  config.bits = 3;
  config.initOffset = 4;
  config.metric = Metric::InnerProduct;
  config.layout = CodeLayout::Compact;
  config.queryType = config.centroidType = config.weightType = ElementType::F32;
  config.keyCapacity = 54;
  config.codeCapacity = 50;
  std::vector<float> centroids(c.centroids.size()), phi(c.phi.size());
  std::vector<uint8_t> codes(c.codes.size());
  int64_t numCached = 0;
  BuildArgs args;
  args.seqLen = 54;
  args.kmeansIter = 10;
  args.seed = 5;
  args.key = c.key.data();
  args.centroids = centroids.data();
  args.phi = phi.data();
  args.codebook = codes.data();
  args.numCached = &numCached;
  ASSERT_TRUE(referenceBuild(config, args).ok());
  EXPECT_EQ(centroids, c.centroids);
  EXPECT_EQ(phi, c.phi);
  EXPECT_EQ(codes, c.codes);
}

TEST(CApiBuild, ChecksItsStructAndWritesNothingOnError) {
  CBuild c;
  EXPECT_EQ(pqrt_reference_build(&c.config, nullptr), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "build: is null");
  c.build.struct_size = 0;
  EXPECT_EQ(pqrt_reference_build(&c.config, &c.build), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("build.struct_size: is 0", 0), 0u) << lastError();
  pqrt_build_init(&c.build);
  c.build.struct_size = sizeof(pqrt_build);
  CBuild fresh;
  fresh.build.seq_len = 11; // n = 7 < C = 8
  EXPECT_EQ(pqrt_reference_build(&fresh.config, &fresh.build),
            PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("n = sk - init_offset = 7 keys to cluster are "
                             "fewer than C = 2^bits = 8 centroids"),
            std::string::npos)
      << lastError();
  EXPECT_EQ(fresh.numCached, -1);
  for (float v : fresh.centroids) {
    ASSERT_EQ(v, 0.0f);
  }
  fresh.build.seq_len = 54;
  fresh.build.kmeans_iter = PQRT_MAX_KMEANS_ITER + 1;
  EXPECT_EQ(pqrt_reference_build(&fresh.config, &fresh.build),
            PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("kmeans_iter: 1001 is not in [0, 1000]"),
            std::string::npos)
      << lastError();
}

} // namespace
} // namespace test
} // namespace pqrt
