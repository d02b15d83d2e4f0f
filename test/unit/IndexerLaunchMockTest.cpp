//===- IndexerLaunchMockTest.cpp - Indexer::run over the mock driver ------===//
//
// What run() hands the driver: the launches, in order, on the caller's
// stream, in the device's primary context, with the parameter bytes of
// docs/BUNDLE.md; no allocation per call; the cached count updated only
// after a successful launch outside the full-attention path.
//
//===----------------------------------------------------------------------===//

#include "MockFixture.h"

namespace pqrt {
namespace test {
namespace {

TEST_F(MockIndexer, RunsTheSampleOnTheCallersStream) {
  bundle::Bundle b = sampleBundle();
  auto indexer = create(b);
  ASSERT_TRUE(indexer);
  mock.setParamCount(7 * 5 + 4);
  indexer::RunArgs args = sampleArgs();
  Status status = indexer->run(args, stream);
  ASSERT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(cached, 196);
  EXPECT_EQ(mock.count("ctx_depth"), 0); // the caller's context is back
  ASSERT_EQ(mock.count("launches"), 1);
  const MockLaunch *launch = mock.launch(0);
  EXPECT_STREQ(launch->function, "pq_row");
  EXPECT_EQ(launch->grid[0], 2u);
  EXPECT_EQ(launch->grid[1], 3u); // "batch"
  EXPECT_EQ(launch->grid[2], 1u);
  EXPECT_EQ(launch->block[0], 256u);
  EXPECT_EQ(launch->smem, 16384u);
  EXPECT_EQ(launch->stream, stream);
  EXPECT_EQ(launch->context, mock.primaryContext(0));
  EXPECT_EQ(launch->extended, 0);
  // query memref, then key; seq_len .. code_capacity at the end.
  EXPECT_EQ(launch->params[0], 0x10000u);
  EXPECT_EQ(launch->params[1], 0x10000u);
  EXPECT_EQ(launch->params[2], 0u);
  EXPECT_EQ(launch->params[3], uint64_t(3 * 8 * 64));
  EXPECT_EQ(launch->params[4], 1u);
  EXPECT_EQ(launch->params[5], 0x20000u);
  EXPECT_EQ(launch->params[8], uint64_t(3 * 2 * 256 * 64));
  EXPECT_EQ(launch->params[35], 200u);
  EXPECT_EQ(launch->params[36], 100u); // the count before the step
  EXPECT_EQ(launch->params[37], 256u);
  EXPECT_EQ(launch->params[38], 200u);
  EXPECT_EQ(mock.count("allocs"), 0);
}

TEST_F(MockIndexer, FullAttentionLaunchesButKeepsTheCount) {
  auto indexer = create(sampleBundle());
  indexer::RunArgs args = sampleArgs();
  args.step.seqLen = 85;
  ASSERT_TRUE(indexer->run(args, stream).ok());
  EXPECT_EQ(mock.count("launches"), 1);
  EXPECT_EQ(cached, 100);
}

TEST_F(MockIndexer, RejectedArgumentsLaunchNothing) {
  auto indexer = create(sampleBundle());
  indexer::RunArgs args = sampleArgs();
  cached = 197;
  Status status = indexer->run(args, stream);
  EXPECT_EQ(status.code, StatusCode::InvalidArgument);
  EXPECT_EQ(cached, 197);
  args.batch = 5; // above max batch 4
  cached = 0;
  EXPECT_EQ(indexer->run(args, stream).code, StatusCode::InvalidArgument);
  EXPECT_EQ(mock.count("launches"), 0);
  EXPECT_EQ(cached, 0);
}

TEST_F(MockIndexer, LaunchesEveryKernelInOrder) {
  bundle::Bundle b = sampleBundle(
      [](Json &m) {
        m["kernels"].push_back({{"name", "pq_row_merge"},
                                {"grid", {"batch", 8, 1}},
                                {"block", {128, 2, 1}},
                                {"smem", 0},
                                {"cluster", {1, 1, 1}}});
      },
      {{"sm_90", "cubin", "cubin defining pq_row_merge and pq_row"}});
  auto indexer = create(b);
  ASSERT_TRUE(indexer);
  ASSERT_TRUE(indexer->run(sampleArgs(), stream).ok());
  ASSERT_EQ(mock.count("launches"), 2);
  EXPECT_STREQ(mock.launch(0)->function, "pq_row");
  EXPECT_STREQ(mock.launch(1)->function, "pq_row_merge");
  EXPECT_EQ(mock.launch(1)->grid[0], 3u);
  EXPECT_EQ(mock.launch(1)->grid[1], 8u);
  EXPECT_EQ(mock.launch(1)->block[1], 2u);
}

TEST_F(MockIndexer, ReportsALaunchFailure) {
  auto indexer = create(sampleBundle());
  mock.failNext("cuLaunchKernel", CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, nullptr);
  Status status = indexer->run(sampleArgs(), stream);
  EXPECT_EQ(status.code, StatusCode::DriverError);
  EXPECT_EQ(status.message, "launch of kernel 'pq_row': "
                            "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (mock error "
                            "text)");
  EXPECT_EQ(cached, 100);
  EXPECT_EQ(mock.count("ctx_depth"), 0);
}

TEST_F(MockIndexer, ClusterKernelsGoThroughLaunchKernelEx) {
  bundle::Bundle b = sampleBundle([](Json &m) {
    m["kernels"][0]["cluster"] = {2, 1, 1};
  });
  auto indexer = create(b);
  ASSERT_TRUE(indexer);
  ASSERT_TRUE(indexer->run(sampleArgs(), stream).ok());
  ASSERT_EQ(mock.count("launches"), 1);
  const MockLaunch *launch = mock.launch(0);
  EXPECT_EQ(launch->extended, 1);
  EXPECT_EQ(launch->cluster[0], 2u);
  EXPECT_EQ(launch->cluster[1], 1u);
  EXPECT_EQ(launch->grid[1], 3u);
  EXPECT_EQ(launch->stream, stream);
  EXPECT_EQ(launch->smem, 16384u);
  // A portable cluster needs no attribute.
  EXPECT_EQ(mock.funcAttribute(
                "pq_row", CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED),
            -1);
}

TEST_F(MockIndexer, LargeClustersAreAllowedNonPortableSizes) {
  bundle::Bundle b = sampleBundle([](Json &m) {
    m["kernels"][0]["grid"] = {16, "batch", 1};
    m["kernels"][0]["cluster"] = {16, 1, 1};
  });
  auto indexer = create(b);
  ASSERT_TRUE(indexer);
  EXPECT_EQ(mock.funcAttribute(
                "pq_row", CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED),
            1);
}

TEST_F(MockIndexer, WorkspaceIsAllocatedOnceAndPassed) {
  bundle::Bundle b = sampleBundle([](Json &m) {
    m["workspace_bytes_per_batch"] = 1024;
    m["params"].push_back({{"name", "workspace"}, {"kind", "memref"}});
  });
  auto indexer = create(b, 8);
  ASSERT_TRUE(indexer);
  EXPECT_EQ(mock.count("allocs"), 1);
  EXPECT_EQ(mock.lastAllocSize(), 8u * 1024u);
  mock.setParamCount(8 * 5 + 4);
  for (int i = 0; i < 3; ++i) {
    cached = 100;
    ASSERT_TRUE(indexer->run(sampleArgs(), stream).ok());
  }
  EXPECT_EQ(mock.count("allocs"), 1); // nothing per call
  const MockLaunch *launch = mock.launch(2);
  EXPECT_EQ(launch->params[39], mock.lastAllocAddress());
  EXPECT_EQ(launch->params[42], uint64_t(3 * 1024 / 4)); // this call's b
  indexer.reset();
  EXPECT_EQ(mock.count("frees"), 1);
}

} // namespace
} // namespace test
} // namespace pqrt
