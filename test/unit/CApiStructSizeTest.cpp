//===- CApiStructSizeTest.cpp - struct_size on every entry point ----------===//
//
// pqrt.h "Versions and struct sizes": each function that reads or fills a
// struct checks struct_size first, refuses a missing or impossible one by
// name without writing anything, reads a newer caller's struct when its
// extra fields are zero, and fills one without writing past struct_size.
// (test/package/consumer.c checks the same from a C caller built against
// the installed header.)
//
//===----------------------------------------------------------------------===//

#include "BundleWriter.h"
#include "CApiStep.h"
#include "ValidationHelpers.h"
#include "pqrt/pqrt.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace pqrt {
namespace test {
namespace {

std::string lastError() { return pqrt_last_error(); }

TEST(CApiVersion, LibraryMatchesTheHeader) {
  EXPECT_EQ(pqrt_get_version(), PQRT_VERSION);
  EXPECT_EQ(PQRT_VERSION >> 16, uint32_t(PQRT_VERSION_MAJOR));
  EXPECT_TRUE(pqrt_version_compatible(pqrt_get_version()));
  EXPECT_TRUE(pqrt_version_compatible(PQRT_VERSION + 3));
  EXPECT_FALSE(pqrt_version_compatible(PQRT_VERSION - 1));
  EXPECT_FALSE(pqrt_version_compatible(PQRT_VERSION + (1u << 16)));
}

TEST(CApiStructSize, InitSetsTheSizeAndZeroes) {
  pqrt_step step;
  std::memset(&step, 0x5a, sizeof(step));
  pqrt_step_init(&step);
  EXPECT_EQ(step.struct_size, sizeof(pqrt_step));
  EXPECT_EQ(step.batch, 0);
  EXPECT_EQ(step.weight_list, nullptr);
}

TEST(CApiStructSize, EveryReadStructIsChecked) {
  StepBuffers buffers = validStep();
  const pqrt_config good = cConfig(buffers.config);
  StepBuffers before = buffers;

  pqrt_config config = good;
  pqrt_step step = cStep(buffers);
  config.struct_size = 0;
  EXPECT_EQ(pqrt_reference_run(&config, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "config.struct_size: is 0; set it to "
                         "sizeof(pqrt_config) (pqrt_config_init does) before "
                         "filling the struct");
  config = good;
  step.struct_size = 8;
  EXPECT_EQ(pqrt_reference_run(&config, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("step.struct_size: 8 is less than ", 0), 0u)
      << lastError();
  step.struct_size = size_t(1) << 40; // garbage: never read that far
  EXPECT_EQ(pqrt_reference_run(&config, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("is not the size of a pqrt_step"),
            std::string::npos)
      << lastError();
  EXPECT_EQ(buffers.sparseList, before.sparseList);
  EXPECT_EQ(buffers.numCached, before.numCached);

  step = cStep(buffers);
  float scores[1];
  EXPECT_EQ(pqrt_reference_scores(&config, &step, scores, 1),
            PQRT_INVALID_ARGUMENT); // gets past the struct checks
  EXPECT_EQ(lastError().find("struct_size"), std::string::npos);

  pqrt_outputs outputs = cOutputs(buffers);
  pqrt_outputs stale = outputs;
  stale.struct_size = 0;
  EXPECT_EQ(
      pqrt_reference_compare(&config, 2, 19, &outputs, nullptr, &stale, -1),
      PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("actual.struct_size: is 0", 0), 0u)
      << lastError();
  EXPECT_EQ(pqrt_reference_compare_identical(&config, 2, 19, &stale, &outputs),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("first.struct_size: is 0", 0), 0u) << lastError();
}

TEST(CApiStructSize, BundleCallsCheckTheirStructs) {
  std::vector<uint8_t> bytes = writeBundle(sampleManifest(), sampleImages());
  pqrt_bundle *bundle = nullptr;
  ASSERT_EQ(pqrt_bundle_load_memory(bytes.data(), bytes.size(), &bundle),
            PQRT_OK);
  pqrt_step step;
  pqrt_step_init(&step);
  step.struct_size = 0;
  EXPECT_EQ(pqrt_bundle_validate_step(bundle, 1, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("step.struct_size: is 0", 0), 0u) << lastError();

  pqrt_bundle_info info;
  std::memset(&info, 0x5a, sizeof(info));
  info.struct_size = 3;
  EXPECT_EQ(pqrt_bundle_get_info(bundle, &info), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError().rfind("out.struct_size: 3 is less than ", 0), 0u)
      << lastError();
  EXPECT_EQ(info.num_images, 0x5a5a5a5a); // nothing written

  pqrt_config config;
  pqrt_config_init(&config);
  config.struct_size = 0;
  EXPECT_EQ(pqrt_bundle_get_config(bundle, &config), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(config.heads, 0);
  pqrt_bundle_destroy(bundle);
}

/// A caller built with a newer header: the struct plus a field.
template <typename T> struct Newer {
  T value;
  int64_t futureField;
  int64_t past; // not part of the struct
};

TEST(CApiStructSize, NewerCallersAreServedWhenTheyUseNoNewField) {
  StepBuffers buffers = validStep();
  Newer<pqrt_config> config;
  std::memset(&config, 0, sizeof(config));
  config.value = cConfig(buffers.config);
  config.value.struct_size = offsetof(Newer<pqrt_config>, past);
  Newer<pqrt_step> step;
  std::memset(&step, 0, sizeof(step));
  step.value = cStep(buffers);
  step.value.struct_size = offsetof(Newer<pqrt_step>, past);
  step.past = -1; // outside the struct: never looked at
  ASSERT_EQ(pqrt_reference_run(&config.value, &step.value), PQRT_OK)
      << lastError();

  StepBuffers before = buffers;
  step.futureField = 1;
  EXPECT_EQ(pqrt_reference_run(&config.value, &step.value),
            PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("step: byte " + std::to_string(sizeof(pqrt_step)) +
                             " of the caller's pqrt_step"),
            std::string::npos)
      << lastError();
  EXPECT_NE(lastError().find("newer pqrt.h"), std::string::npos);
  EXPECT_EQ(buffers.numCached, before.numCached);

  std::vector<uint8_t> bytes = writeBundle(sampleManifest(), sampleImages());
  pqrt_bundle *bundle = nullptr;
  ASSERT_EQ(pqrt_bundle_load_memory(bytes.data(), bytes.size(), &bundle),
            PQRT_OK);
  Newer<pqrt_config> out;
  std::memset(&out, 0x5a, sizeof(out));
  out.value.struct_size = offsetof(Newer<pqrt_config>, past);
  ASSERT_EQ(pqrt_bundle_get_config(bundle, &out.value), PQRT_OK);
  EXPECT_EQ(out.value.heads, 8);
  EXPECT_EQ(out.value.struct_size, offsetof(Newer<pqrt_config>, past));
  EXPECT_EQ(out.futureField, 0);           // unknown to the library: zeroed
  EXPECT_EQ(out.past, 0x5a5a5a5a5a5a5a5a); // past struct_size: untouched
  pqrt_bundle_destroy(bundle);
}

} // namespace
} // namespace test
} // namespace pqrt
