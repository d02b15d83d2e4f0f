//===- IndexerBuildMockTest.cpp - Indexer::build over the mock driver -----===//
//
// What pqrt_indexer_build hands the driver for a bundle with a "build"
// entry: the build kernels resolved from the step's module with the same
// launch attributes, one workspace of max(step, build) bytes per batch, and
// per call the exact launch sequence (prologue, T x the iteration kernels
// with iteration = k, epilogue) on the caller's stream with the build's
// parameter bytes; nothing allocated, nothing launched and nothing written
// on a rejected call; PQRT_UNSUPPORTED without a build.
//
//===----------------------------------------------------------------------===//

#include "MockFixture.h"
#include "capi/CApi.h"
#include "pqhost/Cuda.h"

#include <string>
#include <vector>

namespace pqrt {
namespace test {
namespace {

class MockBuild : public MockIndexer {
protected:
  int64_t iterationsWord = 0; // never written: a fake device address is used

  bundle::Bundle buildBundle(const std::function<void(Json &)> &change = {}) {
    return sampleBundle(
        [&](Json &m) {
          addSampleBuild(m);
          if (change) {
            change(m);
          }
        },
        sampleBuildImages());
  }

  /// A valid build of the sample on fake device addresses: sk 200 (n = 196),
  /// batch 3, T = 4.
  pqrt_build sampleBuild() {
    pqrt_build build;
    pqrt_build_init(&build);
    build.batch = 3;
    build.seq_len = 200;
    build.key_capacity = 256;
    build.code_capacity = 200;
    build.kmeans_iter = 4;
    build.seed = 1234;
    build.key = reinterpret_cast<void *>(0x20000);
    build.centroids = reinterpret_cast<void *>(0x30000);
    build.codebook = reinterpret_cast<void *>(0x40000);
    build.num_cached = &cached;
    return build;
  }

  /// The C API's handle over an indexer of `b` (max batch 4).
  pqrt_indexer *createIndexer(const bundle::Bundle &b) {
    pqrt_bundle handle{std::make_shared<const bundle::Bundle>(b)};
    pqrt_indexer *out = nullptr;
    EXPECT_EQ(pqrt_indexer_create(&handle, 0, 4, &out), PQRT_OK)
        << pqrt_last_error();
    return out;
  }

  std::vector<std::string> launchedNames() {
    std::vector<std::string> names;
    for (int i = 0; i < mock.count("launches"); ++i) {
      names.push_back(mock.launch(i)->function);
    }
    return names;
  }
};

// key centroids codes workspace (4 x 5), seq_len key_capacity code_capacity,
// initial iterations (2 x 5), seed iteration kmeans_iter.
constexpr int kBuildSlots = 6 * 5 + 6;
constexpr int kIterationSlot = 6 * 5 + 4;

TEST_F(MockBuild, LaunchesPrologueTIterationsEpilogue) {
  pqrt_indexer *indexer = createIndexer(buildBundle());
  ASSERT_TRUE(indexer);
  mock.setParamCount(kBuildSlots);
  pqrt_build build = sampleBuild();
  ASSERT_EQ(pqrt_indexer_build(indexer, &build, stream), PQRT_OK)
      << pqrt_last_error();
  EXPECT_EQ(cached, 196);
  const std::vector<std::string> expected = {
      "pq_build_draw",   "pq_build_assign", "pq_build_update",
      "pq_build_assign", "pq_build_update", "pq_build_assign",
      "pq_build_update", "pq_build_assign", "pq_build_update",
      "pq_build_codes"};
  EXPECT_EQ(launchedNames(), expected);
  const int64_t iterations[] = {0, 0, 0, 1, 1, 2, 2, 3, 3, 4};
  for (int i = 0; i < 10; ++i) {
    const MockLaunch *launch = mock.launch(i);
    EXPECT_EQ(launch->stream, stream) << i;
    EXPECT_EQ(launch->context, mock.primaryContext(0)) << i;
    EXPECT_EQ(launch->params[kIterationSlot], uint64_t(iterations[i])) << i;
    EXPECT_EQ(launch->params[kIterationSlot + 1], 4u) << i; // kmeans_iter
    EXPECT_EQ(launch->params[kIterationSlot - 1], 1234u) << i; // seed
    EXPECT_EQ(launch->grid[1], 3u) << i;                        // "batch"
  }
  const MockLaunch *draw = mock.launch(0);
  EXPECT_EQ(draw->grid[0], 4u);
  EXPECT_EQ(draw->block[0], 32u);
  EXPECT_EQ(mock.launch(1)->smem, 65536u);
  EXPECT_EQ(mock.launch(9)->smem, 40960u);
  // key memref: b 3, h_kv 2, key_capacity 256, d 64.
  EXPECT_EQ(draw->params[0], 0x20000u);
  EXPECT_EQ(draw->params[3], uint64_t(3 * 2 * 256 * 64));
  // workspace (bytes: i8), the sizes, then NULL initial and iterations of
  // size 0.
  EXPECT_EQ(draw->params[15], mock.lastAllocAddress());
  EXPECT_EQ(draw->params[18], uint64_t(3 * 4096));
  EXPECT_EQ(draw->params[20], 200u); // seq_len
  EXPECT_EQ(draw->params[21], 256u); // key_capacity
  EXPECT_EQ(draw->params[22], 200u); // code_capacity
  for (int slot : {23, 24, 26, 28, 29, 31}) {
    EXPECT_EQ(draw->params[slot], 0u) << slot;
  }
  EXPECT_EQ(mock.count("allocs"), 1); // the indexer's workspace only
  EXPECT_EQ(mock.count("syncs"), 0);
  EXPECT_EQ(mock.count("ctx_depth"), 0);
  pqrt_indexer_destroy(indexer);
}

TEST_F(MockBuild, PassesInitialAndIterationsWhenGiven) {
  pqrt_indexer *indexer = createIndexer(buildBundle());
  mock.setParamCount(kBuildSlots);
  pqrt_build build = sampleBuild();
  build.kmeans_iter = 0;
  build.initial_indices = reinterpret_cast<const int64_t *>(0x50000);
  build.iterations = reinterpret_cast<int64_t *>(0x60000);
  ASSERT_EQ(pqrt_indexer_build(indexer, &build, stream), PQRT_OK)
      << pqrt_last_error();
  const std::vector<std::string> expected = {"pq_build_draw",
                                             "pq_build_codes"};
  EXPECT_EQ(launchedNames(), expected);
  const MockLaunch *codes = mock.launch(1);
  EXPECT_EQ(codes->params[23], 0x50000u);
  EXPECT_EQ(codes->params[26], uint64_t(3 * 2 * 2 * 64)); // groups x C
  EXPECT_EQ(codes->params[28], 0x60000u);
  EXPECT_EQ(codes->params[31], 1u);
  EXPECT_EQ(codes->params[kIterationSlot], 0u); // the epilogue's T = 0
  pqrt_indexer_destroy(indexer);
}

TEST_F(MockBuild, ResolvesBuildKernelsWithTheirAttributes) {
  pqrt_indexer *indexer = createIndexer(buildBundle([](Json &m) {
    m["build"]["kernels"][3]["grid"] = {16, "batch", 1};
    m["build"]["kernels"][3]["cluster"] = {16, 1, 1};
  }));
  ASSERT_TRUE(indexer);
  EXPECT_EQ(mock.funcAttribute("pq_build_assign",
                               CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
            65536);
  EXPECT_EQ(mock.funcAttribute("pq_build_draw",
                               CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
            -1);
  EXPECT_EQ(mock.funcAttribute(
                "pq_build_codes",
                CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED),
            1);
  pqrt_build build = sampleBuild();
  build.batch = 2;
  ASSERT_EQ(pqrt_indexer_build(indexer, &build, stream), PQRT_OK)
      << pqrt_last_error();
  const MockLaunch *last = mock.launch(mock.count("launches") - 1);
  EXPECT_STREQ(last->function, "pq_build_codes");
  EXPECT_EQ(last->extended, 1);
  EXPECT_EQ(last->cluster[0], 16u);
  pqrt_indexer_destroy(indexer);
}

TEST_F(MockBuild, AMissingBuildKernelFailsCreate) {
  bundle::Bundle b = sampleBundle([](Json &m) { addSampleBuild(m); });
  pqrt_bundle handle{std::make_shared<const bundle::Bundle>(b)};
  pqrt_indexer *out = nullptr;
  EXPECT_EQ(pqrt_indexer_create(&handle, 0, 4, &out), PQRT_BAD_MODULE);
  EXPECT_NE(std::string(pqrt_last_error())
                .find("kernel 'pq_build_draw' of module 'sample' is not in"),
            std::string::npos)
      << pqrt_last_error();
  EXPECT_EQ(out, nullptr);
}

TEST_F(MockBuild, WorkspaceIsTheLargerOfStepAndBuild) {
  {
    auto indexer = create(buildBundle(), 8);
    ASSERT_TRUE(indexer);
    EXPECT_EQ(mock.lastAllocSize(), 8u * 4096u); // the build's
  }
  {
    auto indexer = create(buildBundle([](Json &m) {
                            m["workspace_bytes_per_batch"] = 8192;
                            m["params"].push_back(
                                {{"name", "workspace"}, {"kind", "memref"}});
                          }),
                          8);
    ASSERT_TRUE(indexer);
    EXPECT_EQ(mock.lastAllocSize(), 8u * 8192u); // the step's
    // The step still passes its own i32 count.
    mock.setParamCount(8 * 5 + 4);
    ASSERT_TRUE(indexer->run(sampleArgs(), stream).ok());
    EXPECT_EQ(mock.launch(0)->params[39], mock.lastAllocAddress());
    EXPECT_EQ(mock.launch(0)->params[42], uint64_t(3 * 8192 / 4));
  }
  EXPECT_EQ(mock.count("allocs"), 2);
}

TEST_F(MockBuild, RejectionsLaunchAndWriteNothing) {
  pqrt_indexer *indexer = createIndexer(buildBundle());
  const struct {
    const char *what;
    std::function<void(pqrt_build &)> change;
    const char *message;
  } cases[] = {
      {"batch 5", [](pqrt_build &b) { b.batch = 5; },
       "batch: b 5 exceeds the indexer's max_batch 4"},
      {"n < C", [](pqrt_build &b) { b.seq_len = 60; }, "seq_len: n ="},
      {"sk > max", [](pqrt_build &b) { b.seq_len = 5000; },
       "seq_len: sk 5000 exceeds max_seq_len 4096"},
      {"T", [](pqrt_build &b) { b.kmeans_iter = -2; }, "kmeans_iter: -2"},
      {"key", [](pqrt_build &b) { b.key = nullptr; }, "key: is null"},
      {"codes", [](pqrt_build &b) { b.code_capacity = 10; },
       "codebook: code_capacity 10"},
      {"count", [](pqrt_build &b) { b.num_cached = nullptr; },
       "num_cached: is null"},
      {"struct_size", [](pqrt_build &b) { b.struct_size = 8; },
       "build.struct_size: 8 is less than"},
  };
  for (const auto &c : cases) {
    pqrt_build build = sampleBuild();
    c.change(build);
    cached = -3;
    EXPECT_EQ(pqrt_indexer_build(indexer, &build, stream),
              PQRT_INVALID_ARGUMENT)
        << c.what;
    EXPECT_NE(std::string(pqrt_last_error()).find(c.message),
              std::string::npos)
        << c.what << ": " << pqrt_last_error();
    EXPECT_EQ(cached, -3) << c.what;
  }
  EXPECT_EQ(pqrt_indexer_build(nullptr, nullptr, stream),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(pqrt_indexer_build(indexer, nullptr, stream),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(mock.count("launches"), 0);
  EXPECT_EQ(mock.count("allocs"), 1);
  pqrt_indexer_destroy(indexer);
}

TEST_F(MockBuild, WithoutABuildEntryIsUnsupported) {
  pqrt_indexer *indexer = createIndexer(sampleBundle());
  pqrt_build build = sampleBuild();
  cached = 5;
  EXPECT_EQ(pqrt_indexer_build(indexer, &build, stream), PQRT_UNSUPPORTED);
  EXPECT_NE(std::string(pqrt_last_error()).find("has no index build"),
            std::string::npos)
      << pqrt_last_error();
  EXPECT_EQ(cached, 5);
  EXPECT_EQ(mock.count("launches"), 0);
  pqrt_indexer_destroy(indexer);
}

TEST_F(MockBuild, ALaunchFailureStopsTheSequenceAndKeepsTheCount) {
  pqrt_indexer *indexer = createIndexer(buildBundle());
  pqrt_build build = sampleBuild();
  mock.failNext("cuLaunchKernel", CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, nullptr);
  cached = 11;
  EXPECT_EQ(pqrt_indexer_build(indexer, &build, stream), PQRT_DRIVER_ERROR);
  EXPECT_NE(std::string(pqrt_last_error())
                .find("launch of kernel 'pq_build_draw'"),
            std::string::npos)
      << pqrt_last_error();
  EXPECT_EQ(cached, 11);
  EXPECT_EQ(mock.count("launches"), 0);
  EXPECT_EQ(mock.count("ctx_depth"), 0);
  pqrt_indexer_destroy(indexer);
}

TEST_F(MockBuild, IsCapturedIntoAGraphWithEachLaunchsIteration) {
  {
    pqhost::Device device;
    ASSERT_TRUE(device.open(0).ok());
    pqhost::Stream captured;
    ASSERT_TRUE(captured.create().ok());
    pqrt_indexer *indexer = createIndexer(buildBundle());
    mock.setParamCount(kBuildSlots);
    pqhost::Graph graph;
    // Global mode: an allocation or a sync inside the build would fail it.
    ASSERT_TRUE(
        graph.beginCapture(captured, CU_STREAM_CAPTURE_MODE_GLOBAL).ok());
    pqrt_build build = sampleBuild();
    build.kmeans_iter = 2;
    pqrt_status status = pqrt_indexer_build(indexer, &build, captured.get());
    Status ended = graph.endCapture(captured);
    ASSERT_EQ(status, PQRT_OK) << pqrt_last_error();
    ASSERT_TRUE(ended.ok()) << ended.message;
    EXPECT_EQ(mock.count("launches"), 0);
    EXPECT_EQ(mock.count("captured_launches"), 6);
    ASSERT_TRUE(graph.launch(captured).ok());
    ASSERT_EQ(mock.count("launches"), 6);
    const int64_t iterations[] = {0, 0, 0, 1, 1, 2};
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(mock.launch(i)->params[kIterationSlot],
                uint64_t(iterations[i]))
          << i;
    }
    EXPECT_STREQ(mock.launch(5)->function, "pq_build_codes");
    pqrt_indexer_destroy(indexer);
  }
  // Device::open left its context current on this thread: take it off, as
  // the fixture expects the thread as it found it.
  using SetCurrent = CUresult (*)(CUcontext);
  auto setCurrent = reinterpret_cast<SetCurrent>(
      dlsym(dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL), "cuCtxSetCurrent"));
  ASSERT_NE(setCurrent, nullptr);
  while (mock.count("ctx_depth") > 0) {
    setCurrent(nullptr);
  }
}

TEST_F(MockBuild, StepsStillRunOnABundleWithABuild) {
  auto indexer = create(buildBundle());
  ASSERT_TRUE(indexer);
  ASSERT_TRUE(indexer->run(sampleArgs(), stream).ok());
  ASSERT_EQ(mock.count("launches"), 1);
  EXPECT_STREQ(mock.launch(0)->function, "pq_row");
}

} // namespace
} // namespace test
} // namespace pqrt
