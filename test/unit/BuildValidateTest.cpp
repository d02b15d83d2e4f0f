//===- BuildValidateTest.cpp - The GPU build's checks, packing and order --===//
//
// validateBuildRun on fake device addresses (a dereference would crash this
// test: the initial indices in particular are never read), the exact
// parameter slots of the build's list, and the launch order of
// forEachBuildLaunch for T iterations.
//
//===----------------------------------------------------------------------===//

#include "SampleBundle.h"
#include "indexer/BuildLaunch.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace pqrt {
namespace test {
namespace {

using indexer::BufferSizes;
using indexer::BuildRunArgs;
using indexer::PackedParams;
using indexer::validateBuildRun;

/// An address no test may touch: not mapped in any process.
void *device(uintptr_t offset) {
  return reinterpret_cast<void *>(uintptr_t(0xdead0000000) + offset);
}

uint64_t address(const void *p) { return reinterpret_cast<uintptr_t>(p); }

bundle::Bundle buildBundle(const std::function<void(Json &)> &change = {}) {
  return sampleBundle(
      [&](Json &m) {
        if (change) {
          change(m);
        }
        if (!m.contains("build")) {
          addSampleBuild(m);
        }
      },
      sampleBuildImages());
}

class BuildValidate : public ::testing::Test {
protected:
  // The sample: h_kv 2, d 64, S 2, C 64, init 4, max_seq_len 4096.
  // sk 200 gives n = 196.
  bundle::Bundle module = buildBundle();
  int64_t cached = -7;
  BuildRunArgs args;

  void SetUp() override {
    args.batch = 2;
    args.keyCapacity = 256;
    args.codeCapacity = 200;
    args.build.seqLen = 200;
    args.build.kmeansIter = 10;
    args.build.seed = 42;
    args.build.key = device(0x100);
    args.build.centroids = device(0x200);
    args.build.codebook = device(0x300);
    args.build.numCached = &cached;
    args.build.initial = static_cast<const int64_t *>(device(0x400));
    args.build.iterations = static_cast<int64_t *>(device(0x500));
  }

  Status validate(int64_t maxBatch = 4) {
    return validateBuildRun(module, maxBatch, args);
  }
  void expectInvalid(const std::string &text, int64_t maxBatch = 4) {
    Status status = validate(maxBatch);
    EXPECT_EQ(status.code, StatusCode::InvalidArgument) << status.message;
    EXPECT_NE(status.message.find(text), std::string::npos) << status.message;
    EXPECT_EQ(cached, -7); // never written
  }
};

TEST_F(BuildValidate, AcceptsAValidBuildWithoutReadingDeviceMemory) {
  Status status = validate();
  EXPECT_TRUE(status.ok()) << status.message;
  args.build.initial = nullptr;
  args.build.iterations = nullptr;
  args.build.kmeansIter = 0;
  args.build.seqLen = 4 + 64; // n = C
  status = validate();
  EXPECT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(cached, -7);
}

TEST_F(BuildValidate, WithoutABuildIsUnsupported) {
  module = sampleBundle();
  Status status = validate();
  EXPECT_EQ(status.code, StatusCode::Unsupported);
  EXPECT_NE(status.message.find("build: module 'sample' has no index build"),
            std::string::npos)
      << status.message;
  EXPECT_NE(status.message.find("pqrt_reference_build"), std::string::npos)
      << status.message;
}

TEST_F(BuildValidate, ModuleLimits) {
  args.batch = 0;
  expectInvalid("batch: b 0 must be at least 1");
  args.batch = 5;
  expectInvalid("batch: b 5 exceeds the indexer's max_batch 4");
  args.batch = 2;
  expectInvalid("max_batch: 0 is not in [1, ", 0);
  module = buildBundle([](Json &m) { m["step"]["batch"] = 3; });
  expectInvalid("batch: b 2 differs from b 3 that module 'sample' was "
                "compiled for",
                0);
  args.batch = 3;
  EXPECT_TRUE(validate(0).ok());
  args.build.seqLen = 4097;
  args.keyCapacity = 5000;
  args.codeCapacity = 5000;
  expectInvalid("seq_len: sk 4097 exceeds max_seq_len 4096 of module "
                "'sample'",
                0);
}

TEST_F(BuildValidate, TheReferenceRules) {
  args.build.seqLen = 4 + 63;
  expectInvalid("seq_len: n = sk - init_offset = 63 keys to cluster are "
                "fewer than C = 2^bits = 64 centroids");
  args.build.seqLen = 0;
  expectInvalid("sk");
  args.build.seqLen = 200;
  args.build.kmeansIter = -1;
  expectInvalid("kmeans_iter: -1 is not in [0, ");
  args.build.kmeansIter = 10;
  args.keyCapacity = 199;
  expectInvalid("key: key_capacity 199 is less than sk 200");
  args.keyCapacity = 256;
  args.codeCapacity = 195;
  expectInvalid("codebook: code_capacity 195 is less than n = 196");
  args.codeCapacity = 200;
  args.build.key = nullptr;
  expectInvalid("key: is null");
  args.build.key = device(0x100);
  args.build.centroids = nullptr;
  expectInvalid("centroids: is null");
  args.build.centroids = device(0x200);
  args.build.codebook = nullptr;
  expectInvalid("codebook: is null");
  args.build.codebook = device(0x300);
  args.build.numCached = nullptr;
  Status status = validate();
  EXPECT_EQ(status.code, StatusCode::InvalidArgument);
  EXPECT_NE(status.message.find("num_cached: is null"), std::string::npos);
}

TEST_F(BuildValidate, PhiForIpOnly) {
  module = buildBundle([](Json &m) { makeInnerProduct(m); });
  expectInvalid("phi: is null");
  args.build.phi = static_cast<float *>(device(0x600));
  EXPECT_TRUE(validate().ok());
}

TEST_F(BuildValidate, TheInitialIndicesAreNotRead) {
  // Distinctness and range are the reference's checks on host memory; here
  // the pointer is a device address the check must not follow.
  args.build.initial = static_cast<const int64_t *>(device(0x7));
  EXPECT_TRUE(validate().ok());
}

void expectMemref(const PackedParams &p, int at, uint64_t pointer,
                  int64_t elements) {
  EXPECT_EQ(p.values[at], pointer) << "slot " << at;
  EXPECT_EQ(p.values[at + 1], pointer) << "slot " << at + 1;
  EXPECT_EQ(p.values[at + 2], 0u) << "slot " << at + 2;
  EXPECT_EQ(p.values[at + 3], uint64_t(elements)) << "slot " << at + 3;
  EXPECT_EQ(p.values[at + 4], 1u) << "slot " << at + 4;
}

TEST_F(BuildValidate, PacksTheBuildList) {
  module = buildBundle([](Json &m) {
    makeInnerProduct(m);
    m["step"]["layout"] = "seed";
  });
  args.build.phi = static_cast<float *>(device(0x600));
  args.build.seed = 0xF00DFACECAFEBEEFull;
  BufferSizes sizes;
  ASSERT_TRUE(validateBuildRun(module, 4, args, sizes).ok());
  PackedParams p;
  packBuildParams(module, args, sizes, 0xAB000, p);
  // key centroids phi codes workspace (5 x 5), seq_len key_capacity
  // code_capacity, initial iterations (2 x 5), seed iteration kmeans_iter.
  ASSERT_EQ(p.count, 7 * 5 + 6);
  // b 2, h_kv 2, d 64, S 2, C 64, ds' 33 (ip).
  expectMemref(p, 0, address(args.build.key), 2 * 2 * 256 * 64);
  expectMemref(p, 5, address(args.build.centroids), 2 * 2 * 2 * 64 * 33);
  expectMemref(p, 10, address(args.build.phi), 2 * 2 * 2);
  expectMemref(p, 15, address(args.build.codebook), 2 * 200 * 2 * 2);
  expectMemref(p, 20, 0xAB000, 2 * 4096); // bytes: an i8 workspace
  EXPECT_EQ(p.values[25], 200u);
  EXPECT_EQ(p.values[26], 256u);
  EXPECT_EQ(p.values[27], 200u);
  expectMemref(p, 28, address(args.build.initial), 2 * 2 * 2 * 64);
  expectMemref(p, 33, address(args.build.iterations), 1);
  EXPECT_EQ(p.values[38], 0xF00DFACECAFEBEEFull); // the seed's 64 bits
  EXPECT_EQ(p.values[39], 0u);                    // iteration
  EXPECT_EQ(p.values[40], 10u);                   // kmeans_iter
  EXPECT_EQ(p.iterationSlot, 39);
  for (int i = 0; i < p.count; ++i) {
    EXPECT_EQ(p.pointers[i], &p.values[i]);
  }
  p.setIteration(7);
  EXPECT_EQ(p.values[39], 7u);
}

TEST_F(BuildValidate, PacksNullForOptionalBuffersNotGiven) {
  args.build.initial = nullptr;
  args.build.iterations = nullptr;
  BufferSizes sizes;
  ASSERT_TRUE(validateBuildRun(module, 4, args, sizes).ok());
  PackedParams p;
  packBuildParams(module, args, sizes, 0xAB000, p);
  // Euclidean: no phi; initial and iterations after the three sizes.
  ASSERT_EQ(p.count, 6 * 5 + 6);
  expectMemref(p, 23, 0, 0);
  expectMemref(p, 28, 0, 0);
}

TEST(BuildLaunchOrder, PrologueThenTIterationsThenEpilogue) {
  bundle::Bundle b = buildBundle();
  for (int64_t t : {0, 1, 3}) {
    std::vector<std::pair<size_t, int64_t>> seen;
    Status status = indexer::forEachBuildLaunch(
        *b.build, t, [&](size_t kernel, int64_t iteration) {
          seen.emplace_back(kernel, iteration);
          return Status::success();
        });
    ASSERT_TRUE(status.ok());
    std::vector<std::pair<size_t, int64_t>> expected = {{0, 0}};
    for (int64_t k = 0; k < t; ++k) {
      expected.emplace_back(1, k);
      expected.emplace_back(2, k);
    }
    expected.emplace_back(3, t);
    EXPECT_EQ(seen, expected) << "T = " << t;
  }
}

TEST(BuildLaunchOrder, StopsAtTheFirstError) {
  bundle::Bundle b = buildBundle();
  int calls = 0;
  Status status = indexer::forEachBuildLaunch(
      *b.build, 5, [&](size_t, int64_t) {
        return ++calls == 3 ? Status::invalid("third") : Status::success();
      });
  EXPECT_EQ(status.message, "third");
  EXPECT_EQ(calls, 3);
}

TEST(BuildLaunchOrder, MissingPhases) {
  bundle::Bundle b = buildBundle([](Json &m) {
    addSampleBuild(m);
    m["build"]["kernels"].erase(0); // no prologue
    m["build"]["kernels"].erase(2); // no epilogue
  });
  std::vector<std::pair<size_t, int64_t>> seen;
  ASSERT_TRUE(indexer::forEachBuildLaunch(*b.build, 2,
                                          [&](size_t kernel, int64_t k) {
                                            seen.emplace_back(kernel, k);
                                            return Status::success();
                                          })
                  .ok());
  const std::vector<std::pair<size_t, int64_t>> expected = {
      {0, 0}, {1, 0}, {0, 1}, {1, 1}};
  EXPECT_EQ(seen, expected);
}

} // namespace
} // namespace test
} // namespace pqrt
