//===- CApiConcurrencyTest.cpp - The C API from many threads at once ------===//
//
// Bundle loads (memory and file), queries and validation on one shared
// bundle, reference runs and comparisons on per-thread buffers, the driver
// loader's first use and the thread-local last error, all at once. Run
// under ThreadSanitizer (PQ_SANITIZE=thread scripts/sanitize.sh, NOTES.md
// "Hardening") this is the data-race check of the host half; in every other
// build it checks that concurrent calls give the single-threaded results.
//
//===----------------------------------------------------------------------===//

#include "BundleWriter.h"
#include "CApiStep.h"
#include "RandomStep.h"
#include "pqrt/pqrt.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace pqrt {
namespace test {
namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 6;

/// A step and its outputs computed on this thread alone, to compare with.
struct Expected {
  StepBuffers inputs;
  StepBuffers outputs;
};

Expected expectedStep(int seed) {
  std::mt19937_64 rng(uint64_t(seed) * 7919);
  StepConfig config = randomConfig(rng);
  int64_t sk = randomSeqLen(config, rng);
  int64_t cached = randomNumCached(config, sk, rng);
  StepBuffers inputs = makeRandomStep(config, sk, cached, seed);
  StepBuffers outputs = inputs;
  EXPECT_TRUE(referenceStep(outputs.config, outputs.args()).ok());
  return {std::move(inputs), std::move(outputs)};
}

TEST(CApiConcurrency, ManyThreadsGiveTheSingleThreadedResults) {
  const std::vector<uint8_t> bytes =
      writeBundle(sampleManifest(), sampleImages());
  const std::string path = writeTempFile(bytes, "concurrency.pqmod");
  pqrt_bundle *shared = nullptr;
  ASSERT_EQ(pqrt_bundle_load_memory(bytes.data(), bytes.size(), &shared),
            PQRT_OK);

  std::vector<Expected> expected;
  for (int t = 0; t < kThreads; ++t) {
    expected.push_back(expectedStep(t));
  }

  std::atomic<int> failures{0};
  auto fail = [&](int thread, const std::string &what) {
    std::fprintf(stderr, "thread %d: %s\n", thread, what.c_str());
    failures.fetch_add(1);
  };
  auto work = [&](int t) {
    for (int round = 0; round < kRounds; ++round) {
      // Loads: each thread its own handle, from memory and from a file.
      pqrt_bundle *own = nullptr;
      const pqrt_status loaded =
          round % 2 ? pqrt_bundle_load_file(path.c_str(), &own)
                    : pqrt_bundle_load_memory(bytes.data(), bytes.size(), &own);
      if (loaded != PQRT_OK) {
        fail(t, std::string("load: ") + pqrt_last_error());
      }
      // Queries on the shared bundle.
      pqrt_bundle_info info;
      pqrt_bundle_info_init(&info);
      if (pqrt_bundle_get_info(shared, &info) != PQRT_OK ||
          std::string(info.entry) != "sample") {
        fail(t, "get_info on the shared bundle");
      }
      const char *arch = nullptr;
      if (pqrt_bundle_select_image(own ? own : shared, 86, &arch, nullptr) !=
              PQRT_OK ||
          std::string(arch) != "sm_80") {
        fail(t, "select_image");
      }
      pqrt_bundle_destroy(own);

      // The driver loader's first use races here (no GPU: a clean error).
      int count = -1;
      const pqrt_status devices = pqrt_device_count(&count);
      if (devices != PQRT_OK && devices != PQRT_NO_DRIVER &&
          devices != PQRT_NO_DEVICE) {
        fail(t, std::string("device_count: ") + pqrt_last_error());
      }

      // Validation against the shared bundle; the error is this thread's.
      int64_t cached = 196 + t; // too many for sk 200 when t > 0
      pqrt_step step = validationOnlyStep(&cached);
      const pqrt_status valid = pqrt_bundle_validate_step(shared, 1, &step);
      const std::string message = pqrt_last_error();
      if (t == 0
              ? valid != PQRT_OK
              : message != "num_cached: n_cached " + std::to_string(196 + t) +
                               " exceeds n = sk - init_offset = 196") {
        fail(t, "validate_step: " + message);
      }

      // A reference run on this thread's buffers equals the lone run.
      StepBuffers mine = expected[size_t(t)].inputs;
      pqrt_config config = cConfig(mine.config);
      pqrt_step run = cStep(mine);
      if (pqrt_reference_run(&config, &run) != PQRT_OK) {
        fail(t, std::string("reference_run: ") + pqrt_last_error());
        continue;
      }
      const StepBuffers &lone = expected[size_t(t)].outputs;
      if (mine.sparseList != lone.sparseList ||
          mine.weightList != lone.weightList ||
          mine.codebook != lone.codebook || mine.numCached != lone.numCached) {
        fail(t, "reference_run differs from the single-threaded run");
      }
      pqrt_outputs a = cOutputs(mine);
      pqrt_outputs b = cOutputs(lone);
      if (pqrt_reference_compare_identical(&config, mine.config.batch,
                                           mine.seqLen, &a, &b) != PQRT_OK) {
        fail(t, std::string("compare_identical: ") + pqrt_last_error());
      }
    }
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(work, t);
  }
  for (std::thread &thread : threads) {
    thread.join();
  }
  pqrt_bundle_destroy(shared);
  std::remove(path.c_str());
  EXPECT_EQ(failures.load(), 0);
}

} // namespace
} // namespace test
} // namespace pqrt
