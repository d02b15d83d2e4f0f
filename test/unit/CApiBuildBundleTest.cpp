//===- CApiBuildBundleTest.cpp - The 1.2 build entry points without a GPU -===//
//
// pqrt_bundle_get_info's has_build (and a 1.1 caller's smaller struct, which
// must not be written past), pqrt_bundle_validate_build (every check of
// pqrt_indexer_build, on a bundle with and without a build), and the
// version bump.
//
//===----------------------------------------------------------------------===//

#include "SampleBundle.h"
#include "pqrt/pqrt.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace pqrt {
namespace test {
namespace {

std::string lastError() { return pqrt_last_error(); }

pqrt_bundle *load(const Json &manifest) {
  std::vector<uint8_t> bytes = writeBundle(manifest, sampleBuildImages());
  pqrt_bundle *bundle = nullptr;
  EXPECT_EQ(pqrt_bundle_load_memory(bytes.data(), bytes.size(), &bundle),
            PQRT_OK)
      << lastError();
  return bundle;
}

pqrt_bundle *loadWithBuild() {
  Json m = sampleManifest();
  addSampleBuild(m);
  return load(m);
}

TEST(CApiBuildBundle, VersionIsOnePointTwo) {
  EXPECT_EQ(PQRT_VERSION_MAJOR, 1);
  EXPECT_EQ(PQRT_VERSION_MINOR, 2);
  EXPECT_EQ(pqrt_get_version(), (1u << 16) | 2u);
}

TEST(CApiBuildBundle, InfoSaysWhetherThereIsABuild) {
  pqrt_bundle *with = loadWithBuild();
  pqrt_bundle *without = load(sampleManifest());
  pqrt_bundle_info info;
  std::memset(&info, 0x5a, sizeof(info));
  pqrt_bundle_info_init(&info);
  ASSERT_EQ(pqrt_bundle_get_info(with, &info), PQRT_OK);
  EXPECT_EQ(info.has_build, 1);
  EXPECT_EQ(info.num_kernels, 1); // the step's
  EXPECT_EQ(info.workspace_bytes_per_batch, 0);
  ASSERT_EQ(pqrt_bundle_get_info(without, &info), PQRT_OK);
  EXPECT_EQ(info.has_build, 0);
  pqrt_bundle_destroy(with);
  pqrt_bundle_destroy(without);
}

TEST(CApiBuildBundle, AnOlderCallersInfoIsNotWrittenPast) {
  pqrt_bundle *with = loadWithBuild();
  // A 1.1 caller's pqrt_bundle_info ends after num_images.
  const size_t oldSize = offsetof(pqrt_bundle_info, num_images) + sizeof(int);
  ASSERT_LT(oldSize, sizeof(pqrt_bundle_info));
  pqrt_bundle_info info;
  std::memset(&info, 0x5a, sizeof(info));
  info.struct_size = oldSize;
  ASSERT_EQ(pqrt_bundle_get_info(with, &info), PQRT_OK) << lastError();
  EXPECT_EQ(info.num_images, 3);
  EXPECT_EQ(info.struct_size, oldSize);
  EXPECT_EQ(info.has_build, 0x5a5a5a5a);
  pqrt_bundle_destroy(with);
}

/// A valid build of the sample on fake device addresses (never read).
pqrt_build fakeBuild(int64_t *count) {
  pqrt_build build;
  pqrt_build_init(&build);
  build.batch = 2;
  build.seq_len = 300;
  build.key_capacity = 300;
  build.code_capacity = 296;
  build.kmeans_iter = 10;
  build.key = reinterpret_cast<void *>(0xdead0001000);
  build.centroids = reinterpret_cast<void *>(0xdead0002000);
  build.codebook = reinterpret_cast<void *>(0xdead0003000);
  build.initial_indices = reinterpret_cast<const int64_t *>(0xdead0004000);
  build.iterations = reinterpret_cast<int64_t *>(0xdead0005000);
  build.num_cached = count;
  return build;
}

TEST(CApiBuildBundle, ValidateBuildMakesTheIndexersChecks) {
  pqrt_bundle *bundle = loadWithBuild();
  int64_t count = -1;
  pqrt_build build = fakeBuild(&count);
  EXPECT_EQ(pqrt_bundle_validate_build(bundle, 4, &build), PQRT_OK)
      << lastError();
  EXPECT_STREQ(pqrt_last_error(), "");

  build.batch = 5;
  EXPECT_EQ(pqrt_bundle_validate_build(bundle, 4, &build),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "batch: b 5 exceeds the indexer's max_batch 4");
  build = fakeBuild(&count);
  build.seq_len = 5000;
  build.key_capacity = 5000;
  build.code_capacity = 5000;
  EXPECT_EQ(pqrt_bundle_validate_build(bundle, 4, &build),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(),
            "seq_len: sk 5000 exceeds max_seq_len 4096 of module 'sample'");
  build = fakeBuild(&count);
  build.centroids = nullptr;
  EXPECT_EQ(pqrt_bundle_validate_build(bundle, 4, &build),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("centroids: is null", 0), 0u) << lastError();
  build = fakeBuild(&count);
  build.kmeans_iter = PQRT_MAX_KMEANS_ITER + 1;
  EXPECT_EQ(pqrt_bundle_validate_build(bundle, 4, &build),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("kmeans_iter: ", 0), 0u) << lastError();
  build = fakeBuild(&count);
  build.struct_size = 0;
  EXPECT_EQ(pqrt_bundle_validate_build(bundle, 4, &build),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("build.struct_size: is 0", 0), 0u)
      << lastError();
  EXPECT_EQ(pqrt_bundle_validate_build(bundle, 4, nullptr),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "build: is null");
  build = fakeBuild(&count);
  EXPECT_EQ(pqrt_bundle_validate_build(nullptr, 4, &build),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "bundle: is null");
  EXPECT_EQ(count, -1); // never written
  pqrt_bundle_destroy(bundle);
}

TEST(CApiBuildBundle, ValidateBuildWithoutABuildIsUnsupported) {
  pqrt_bundle *bundle = load(sampleManifest());
  int64_t count = -1;
  pqrt_build build = fakeBuild(&count);
  EXPECT_EQ(pqrt_bundle_validate_build(bundle, 4, &build), PQRT_UNSUPPORTED);
  EXPECT_NE(lastError().find("has no index build"), std::string::npos)
      << lastError();
  pqrt_bundle_destroy(bundle);
}

} // namespace
} // namespace test
} // namespace pqrt
