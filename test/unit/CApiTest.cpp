//===- CApiTest.cpp - pqrt.h without a GPU --------------------------------===//
//
// NULL handles and pointers, the thread-local last error, bundles through
// the C API and the C++ wrapper, and the clean PQRT_NO_DRIVER path.
//
//===----------------------------------------------------------------------===//

#include "BundleWriter.h"
#include "CApiStep.h"
#include "DriverPresence.h"
#include "pqrt/pqrt.h"
#include "pqrt/pqrt.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <thread>

namespace pqrt {
namespace test {
namespace {

std::string lastError() { return pqrt_last_error(); }

class CApi : public ::testing::Test {
protected:
  std::vector<uint8_t> bytes = writeBundle(sampleManifest(), sampleImages());
  pqrt_bundle *bundle = nullptr;

  void SetUp() override {
    ASSERT_EQ(pqrt_bundle_load_memory(bytes.data(), bytes.size(), &bundle),
              PQRT_OK)
        << lastError();
  }
  void TearDown() override { pqrt_bundle_destroy(bundle); }
};

#define EXPECT_NULL_ARG(call, name)                                            \
  do {                                                                         \
    EXPECT_EQ((call), PQRT_INVALID_ARGUMENT);                                  \
    EXPECT_EQ(lastError(), std::string(name) + ": is null");                   \
  } while (0)

TEST(CApiStatus, NamesEveryStatus) {
  EXPECT_STREQ(pqrt_status_name(PQRT_OK), "PQRT_OK");
  EXPECT_STREQ(pqrt_status_name(PQRT_NO_DRIVER), "PQRT_NO_DRIVER");
  EXPECT_STREQ(pqrt_status_name(PQRT_MISMATCH), "PQRT_MISMATCH");
  EXPECT_STREQ(pqrt_status_name(PQRT_INTERNAL_ERROR), "PQRT_INTERNAL_ERROR");
  EXPECT_STREQ(pqrt_status_name(static_cast<pqrt_status>(42)), "PQRT_UNKNOWN");
}

TEST_F(CApi, NullHandlesAndPointers) {
  pqrt_bundle_info info;
  pqrt_bundle_info_init(&info);
  pqrt_config config;
  pqrt_config_init(&config);
  pqrt_step step;
  pqrt_step_init(&step);
  pqrt_bundle *out = nullptr;
  pqrt_indexer *indexer = nullptr;
  int value = 0;
  EXPECT_NULL_ARG(pqrt_bundle_load_memory(nullptr, 10, &out), "data");
  EXPECT_NULL_ARG(pqrt_bundle_load_memory(bytes.data(), bytes.size(), nullptr),
                  "out");
  EXPECT_NULL_ARG(pqrt_bundle_load_file(nullptr, &out), "path");
  EXPECT_NULL_ARG(pqrt_bundle_load_file("x.pqmod", nullptr), "out");
  EXPECT_NULL_ARG(pqrt_bundle_get_info(nullptr, &info), "bundle");
  EXPECT_NULL_ARG(pqrt_bundle_get_info(bundle, nullptr), "out");
  EXPECT_NULL_ARG(pqrt_bundle_get_config(nullptr, &config), "bundle");
  EXPECT_NULL_ARG(pqrt_bundle_get_config(bundle, nullptr), "out");
  EXPECT_NULL_ARG(pqrt_bundle_select_image(nullptr, 90, nullptr, nullptr),
                  "bundle");
  EXPECT_NULL_ARG(pqrt_bundle_validate_step(nullptr, 1, &step), "bundle");
  EXPECT_NULL_ARG(pqrt_bundle_validate_step(bundle, 1, nullptr), "step");
  EXPECT_NULL_ARG(pqrt_indexer_create(nullptr, 0, 1, &indexer), "bundle");
  EXPECT_NULL_ARG(pqrt_indexer_create(bundle, 0, 1, nullptr), "out");
  EXPECT_NULL_ARG(pqrt_indexer_run(nullptr, &step, nullptr), "indexer");
  EXPECT_NULL_ARG(pqrt_device_count(nullptr), "count");
  EXPECT_NULL_ARG(pqrt_device_sm(0, nullptr), "sm");
  EXPECT_NULL_ARG(pqrt_reference_run(nullptr, &step), "config");
  EXPECT_NULL_ARG(pqrt_reference_run(&config, nullptr), "step");
  EXPECT_NULL_ARG(pqrt_reference_scores(nullptr, &step, nullptr, 0), "config");
  EXPECT_NULL_ARG(pqrt_output_total(nullptr, 100, nullptr, nullptr), "config");
  EXPECT_NULL_ARG(
      pqrt_reference_compare(nullptr, 1, 1, nullptr, nullptr, nullptr, 0),
      "config");
  EXPECT_NULL_ARG(
      pqrt_reference_compare_identical(nullptr, 1, 1, nullptr, nullptr),
      "config");
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(indexer, nullptr);
  EXPECT_EQ(value, 0);
  pqrt_bundle_destroy(nullptr);
  pqrt_indexer_destroy(nullptr);
}

TEST_F(CApi, ReadsInfoAndConfig) {
  pqrt_bundle_info info;
  pqrt_bundle_info_init(&info);
  ASSERT_EQ(pqrt_bundle_get_info(bundle, &info), PQRT_OK);
  EXPECT_EQ(lastError(), "");
  EXPECT_STREQ(info.entry, "sample");
  EXPECT_STREQ(info.producer, "pq-compile");
  EXPECT_STREQ(info.strategy, "row");
  EXPECT_EQ(info.static_batch, 0);
  EXPECT_EQ(info.max_seq_len, 4096);
  EXPECT_EQ(info.quantize, 1);
  EXPECT_EQ(info.workspace_bytes_per_batch, 0);
  EXPECT_EQ(info.num_kernels, 1);
  EXPECT_EQ(info.num_images, 3);

  pqrt_config config;
  pqrt_config_init(&config);
  ASSERT_EQ(pqrt_bundle_get_config(bundle, &config), PQRT_OK);
  EXPECT_EQ(config.struct_size, sizeof(pqrt_config));
  EXPECT_EQ(config.heads, 8);
  EXPECT_EQ(config.kv_heads, 2);
  EXPECT_EQ(config.head_dim, 64);
  EXPECT_EQ(config.subspaces, 2);
  EXPECT_EQ(config.bits, 6);
  EXPECT_EQ(config.sink, 4);
  EXPECT_EQ(config.window, 8);
  EXPECT_EQ(config.heavy, 16);
  EXPECT_EQ(config.init_offset, 4);
  EXPECT_EQ(config.metric, PQRT_METRIC_EUCLIDEAN);
  EXPECT_EQ(config.layout, PQRT_LAYOUT_COMPACT);
  EXPECT_EQ(config.query_type, PQRT_BF16);
  EXPECT_EQ(config.centroid_type, PQRT_F32);
  EXPECT_EQ(config.weight_type, PQRT_BF16);
  EXPECT_EQ(config.index_type, PQRT_I64);

  int64_t total = 0;
  int full = -1;
  ASSERT_EQ(pqrt_output_total(&config, 200, &total, &full), PQRT_OK);
  EXPECT_EQ(total, 4 + 16 + 8);
  EXPECT_EQ(full, 0);
  ASSERT_EQ(pqrt_output_total(&config, 85, &total, &full), PQRT_OK);
  EXPECT_EQ(total, 85);
  EXPECT_EQ(full, 1);
  EXPECT_EQ(pqrt_output_total(&config, 0, &total, &full),
            PQRT_INVALID_ARGUMENT);
}

TEST_F(CApi, SelectsImages) {
  const char *arch = nullptr;
  int ptx = -1;
  ASSERT_EQ(pqrt_bundle_select_image(bundle, 90, &arch, &ptx), PQRT_OK);
  EXPECT_STREQ(arch, "sm_90");
  EXPECT_EQ(ptx, 0);
  ASSERT_EQ(pqrt_bundle_select_image(bundle, 86, &arch, &ptx), PQRT_OK);
  EXPECT_STREQ(arch, "sm_80");
  EXPECT_EQ(ptx, 1);
  EXPECT_EQ(pqrt_bundle_select_image(bundle, 75, &arch, &ptx),
            PQRT_UNSUPPORTED);
  EXPECT_NE(lastError().find("has no image for sm_75"), std::string::npos);
}

TEST_F(CApi, ValidatesSteps) {
  int64_t cached = 196;
  pqrt_step step = pqrt::test::validationOnlyStep(&cached);
  EXPECT_EQ(pqrt_bundle_validate_step(bundle, 1, &step), PQRT_OK)
      << lastError();
  step.batch = 2;
  EXPECT_EQ(pqrt_bundle_validate_step(bundle, 1, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "batch: b 2 exceeds the indexer's max_batch 1");
}

TEST_F(CApi, RejectsBadBundles) {
  std::vector<uint8_t> bad = bytes;
  bad[0] = 'X';
  pqrt_bundle *out = nullptr;
  EXPECT_EQ(pqrt_bundle_load_memory(bad.data(), bad.size(), &out),
            PQRT_BAD_MODULE);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(lastError().rfind("bundle: not a .pqmod file", 0), 0u)
      << lastError();
  EXPECT_EQ(pqrt_bundle_load_file("/nonexistent.pqmod", &out),
            PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("cannot open '/nonexistent.pqmod'"),
            std::string::npos);
  // fopen succeeds on a directory; the message says what it is.
  EXPECT_EQ(pqrt_bundle_load_file("/", &out), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "bundle: '/' is a directory, not a .pqmod file");
  EXPECT_EQ(out, nullptr);
}

TEST_F(CApi, LoadsFiles) {
  std::string path = writeTempFile(bytes, "capi.pqmod");
  pqrt_bundle *out = nullptr;
  ASSERT_EQ(pqrt_bundle_load_file(path.c_str(), &out), PQRT_OK) << lastError();
  pqrt_bundle_destroy(out);
  std::remove(path.c_str());
}

TEST_F(CApi, LastErrorIsPerThread) {
  EXPECT_EQ(pqrt_bundle_get_info(nullptr, nullptr), PQRT_INVALID_ARGUMENT);
  std::string other = "unset";
  std::thread([&] {
    other = lastError();
    pqrt_device_sm(0, nullptr);
  }).join();
  EXPECT_EQ(other, "");
  EXPECT_EQ(lastError(), "bundle: is null");
  pqrt_bundle_info info;
  pqrt_bundle_info_init(&info);
  EXPECT_EQ(pqrt_bundle_get_info(bundle, &info), PQRT_OK);
  EXPECT_EQ(lastError(), ""); // a success clears it
}

TEST_F(CApi, IndexerChecksMaxBatchFirst) {
  pqrt_indexer *indexer = nullptr;
  EXPECT_EQ(pqrt_indexer_create(bundle, 0, 0, &indexer), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(),
            "max_batch: 0 is not in [1, 1048576] (PQRT_MAX_BATCH); "
            "module 'sample' "
            "has a dynamic batch, so give one");
  EXPECT_EQ(indexer, nullptr);
}

TEST_F(CApi, WithoutADriverEveryGpuCallSaysSo) {
  if (driverLibraryPresent()) {
    GTEST_SKIP() << "libcuda.so.1 is present on this machine";
  }
  const std::string prefix =
      "no CUDA driver: libcuda.so.1 could not be loaded (";
  int count = -1;
  EXPECT_EQ(pqrt_device_count(&count), PQRT_NO_DRIVER);
  EXPECT_EQ(lastError().rfind(prefix, 0), 0u) << lastError();
  EXPECT_EQ(count, -1);
  int sm = -1;
  EXPECT_EQ(pqrt_device_sm(0, &sm), PQRT_NO_DRIVER);
  EXPECT_EQ(sm, -1);
  pqrt_indexer *indexer = nullptr;
  EXPECT_EQ(pqrt_indexer_create(bundle, 0, 4, &indexer), PQRT_NO_DRIVER);
  EXPECT_EQ(lastError().rfind(prefix, 0), 0u) << lastError();
  EXPECT_EQ(indexer, nullptr);

  EXPECT_EQ(pqrt::deviceCount(), 0);
  try {
    pqrt::Bundle wrapped = pqrt::Bundle::fromMemory(bytes.data(), bytes.size());
    pqrt::Indexer gpu(wrapped, 0, 4);
    ADD_FAILURE() << "no exception";
  } catch (const pqrt::Error &error) {
    EXPECT_EQ(error.getStatus(), PQRT_NO_DRIVER);
    EXPECT_EQ(std::string(error.what()).rfind("PQRT_NO_DRIVER: " + prefix, 0),
              0u)
        << error.what();
  }
}

TEST(CApiWrapper, ThrowsWithStatusAndMessage) {
  std::vector<uint8_t> bytes = writeBundle(sampleManifest(), sampleImages());
  pqrt::Bundle bundle = pqrt::Bundle::fromMemory(bytes.data(), bytes.size());
  EXPECT_STREQ(bundle.info().entry, "sample");
  EXPECT_EQ(bundle.config().heads, 8);
  pqrt_step step;
  pqrt_step_init(&step);
  EXPECT_EQ(bundle.validate(1, step), PQRT_INVALID_ARGUMENT);
  bytes.back() ^= 0x40; // a flipped bit in the image section
  try {
    pqrt::Bundle::fromMemory(bytes.data(), bytes.size());
    ADD_FAILURE() << "no exception";
  } catch (const pqrt::Error &error) {
    EXPECT_EQ(error.getStatus(), PQRT_BAD_MODULE);
    EXPECT_NE(std::string(error.what()).find("content hash mismatch"),
              std::string::npos);
  }
}

} // namespace
} // namespace test
} // namespace pqrt
