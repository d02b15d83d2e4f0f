//===- IndexerLoadMockTest.cpp - Indexer::create over the mock driver -----===//
//
// Image choice per device, the JIT log on failure, one module per bundle
// and device however many indexers (and threads) ask, shared-memory and
// cluster attributes, and the C API on top.
//
//===----------------------------------------------------------------------===//

#include "MockFixture.h"
#include "pqrt/pqrt.h"

#include <thread>
#include <vector>

namespace pqrt {
namespace test {
namespace {

Status createStatus(const bundle::Bundle &b, int ordinal = 0,
                    int64_t maxBatch = 4) {
  std::unique_ptr<indexer::Indexer> out;
  Status status = indexer::Indexer::create(
      std::make_shared<const bundle::Bundle>(b), ordinal, maxBatch, out);
  EXPECT_EQ(status.ok(), out != nullptr);
  return status;
}

TEST_F(MockIndexer, LoadsTheCubinForTheDevice) {
  auto indexer = create(sampleBundle());
  ASSERT_TRUE(indexer);
  EXPECT_EQ(indexer->getImage().arch, "sm_90");
  EXPECT_EQ(indexer->getImage().format, bundle::ImageFormat::Cubin);
  EXPECT_EQ(std::string(mock.lastImage()).substr(0, 4), "\x7f"
                                                        "ELF");
  EXPECT_EQ(indexer->getDevice().sm, 90);
  EXPECT_EQ(mock.count("module_loads"), 1);
}

TEST_F(MockIndexer, JitsTheNewestPtxNotAboveTheDevice) {
  mock.setDevices(1, {8, 6, 101376, 0});
  auto indexer = create(sampleBundle());
  ASSERT_TRUE(indexer);
  EXPECT_EQ(indexer->getImage().arch, "sm_80");
  EXPECT_EQ(indexer->getImage().format, bundle::ImageFormat::Ptx);
  // PTX reaches the driver NUL-terminated and whole.
  EXPECT_EQ(std::string(mock.lastImage()), sampleImages()[0].bytes);
}

TEST_F(MockIndexer, ReportsTheJitLog) {
  mock.setDevices(1, {8, 6, 101376, 0});
  mock.failNext("cuModuleLoadDataEx", CUDA_ERROR_INVALID_PTX,
                "ptxas fatal   : Unresolved extern function 'pq_oops'");
  Status status = createStatus(sampleBundle());
  EXPECT_EQ(status.code, StatusCode::BadModule);
  EXPECT_EQ(status.message,
            "bundle: loading the sm_80 PTX (JIT) of module 'sample' on device "
            "0 failed: CUDA_ERROR_INVALID_PTX (mock error text); JIT log:\n"
            "ptxas fatal   : Unresolved extern function 'pq_oops'");
  EXPECT_EQ(mock.count("module_loads"), 0);
}

TEST_F(MockIndexer, RejectsADeviceTheBundleWasNotBuiltFor) {
  mock.setDevices(1, {7, 5, 65536, 0});
  Status status = createStatus(sampleBundle());
  EXPECT_EQ(status.code, StatusCode::Unsupported);
  EXPECT_NE(status.message.find("has no image for sm_75: it has sm_80 ptx, "
                                "sm_90 ptx, sm_90 cubin"),
            std::string::npos)
      << status.message;
  EXPECT_EQ(mock.count("ctx_retains"), 0);
}

TEST_F(MockIndexer, RejectsAnOrdinalOutOfRange) {
  mock.setDevices(2, {9, 0, 232448, 1});
  Status status = createStatus(sampleBundle(), 2);
  EXPECT_EQ(status.code, StatusCode::NoDevice);
  EXPECT_EQ(status.message,
            "device: ordinal 2 is not in [0, 2); 2 CUDA device(s) present");
  EXPECT_EQ(createStatus(sampleBundle(), -1).code, StatusCode::NoDevice);
}

TEST_F(MockIndexer, RejectsAKernelMissingFromTheImage) {
  bundle::Bundle b =
      sampleBundle([](Json &m) { m["kernels"][0]["name"] = "pq_nope"; });
  Status status = createStatus(b);
  EXPECT_EQ(status.code, StatusCode::BadModule);
  EXPECT_EQ(status.message, "bundle: kernel 'pq_nope' of module 'sample' is "
                            "not in its sm_90 image");
}

TEST_F(MockIndexer, LoadsOncePerBundleAndDevice) {
  mock.setDevices(2, {9, 0, 232448, 1});
  bundle::Bundle b = sampleBundle();
  {
    auto first = create(b);
    auto second = create(b);
    auto other = create(b, 4, 1);
    EXPECT_EQ(mock.count("module_loads"), 2);
    EXPECT_EQ(mock.count("allocs"), 0);
  }
  EXPECT_EQ(mock.count("module_unloads"), 2);
  auto again = create(b); // the last indexer unloaded it: load anew
  EXPECT_EQ(mock.count("module_loads"), 3);
}

TEST_F(MockIndexer, LoadsOnceUnderConcurrentCreation) {
  bundle::Bundle b = sampleBundle();
  auto shared = std::make_shared<const bundle::Bundle>(b);
  std::vector<std::unique_ptr<indexer::Indexer>> indexers(8);
  std::vector<Status> statuses(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = indexer::Indexer::create(shared, 0, 4, indexers[i]);
    });
  }
  for (std::thread &t : threads) {
    t.join();
  }
  for (const Status &s : statuses) {
    EXPECT_TRUE(s.ok()) << s.message;
  }
  EXPECT_EQ(mock.count("module_loads"), 1);
  // Runs from several threads share the module and functions.
  threads.clear();
  std::vector<int64_t> counts(8, 100);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      indexer::RunArgs args = sampleArgs();
      args.step.numCached = &counts[i];
      statuses[i] = indexers[i]->run(args, stream);
    });
  }
  for (std::thread &t : threads) {
    t.join();
  }
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << statuses[i].message;
    EXPECT_EQ(counts[i], 196);
  }
  EXPECT_EQ(mock.count("launches"), 8);
}

TEST_F(MockIndexer, RaisesTheSharedMemoryLimitAbove48KiB) {
  auto small = create(sampleBundle());
  EXPECT_EQ(mock.funcAttribute("pq_row",
                               CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
            -1);
  bundle::Bundle big =
      sampleBundle([](Json &m) { m["kernels"][0]["smem"] = 139264; });
  auto large = create(big);
  EXPECT_EQ(mock.funcAttribute("pq_row",
                               CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
            139264);
}

TEST_F(MockIndexer, RejectsMoreSharedMemoryThanTheDeviceHas) {
  bundle::Bundle big =
      sampleBundle([](Json &m) { m["kernels"][0]["smem"] = 300000; });
  Status status = createStatus(big);
  EXPECT_EQ(status.code, StatusCode::Unsupported);
  EXPECT_EQ(status.message, "kernel 'pq_row' needs 300000 bytes of shared "
                            "memory; the device allows 232448 on device 0 "
                            "(sm_90)");
}

TEST_F(MockIndexer, RejectsClustersWithoutClusterLaunch) {
  mock.setDevices(1, {8, 0, 166912, 0});
  bundle::Bundle b = sampleBundle([](Json &m) {
    m["kernels"][0]["cluster"] = {2, 1, 1};
  });
  Status status = createStatus(b);
  EXPECT_EQ(status.code, StatusCode::Unsupported);
  EXPECT_NE(status.message.find("uses thread block clusters"),
            std::string::npos);
}

TEST_F(MockIndexer, ReportsAFailedWorkspaceAllocation) {
  bundle::Bundle b = sampleBundle([](Json &m) {
    m["workspace_bytes_per_batch"] = 1024;
    m["params"].push_back({{"name", "workspace"}, {"kind", "memref"}});
  });
  mock.failNext("cuMemAlloc", CUDA_ERROR_OUT_OF_MEMORY, nullptr);
  Status status = createStatus(b);
  EXPECT_EQ(status.code, StatusCode::DriverError);
  EXPECT_EQ(status.message, "cuMemAlloc of the 4096-byte workspace: "
                            "CUDA_ERROR_OUT_OF_MEMORY (mock error text)");
}

TEST_F(MockIndexer, UsesTheStaticBatch) {
  bundle::Bundle b = sampleBundle([](Json &m) { m["step"]["batch"] = 3; });
  auto indexer = create(b, 0);
  ASSERT_TRUE(indexer);
  EXPECT_EQ(indexer->getMaxBatch(), 3);
  EXPECT_TRUE(indexer->run(sampleArgs(), stream).ok());
  EXPECT_EQ(createStatus(b, 0, 4).code, StatusCode::InvalidArgument);
}

TEST_F(MockIndexer, TheCApiRunsOverTheMock) {
  mock.setDevices(2, {12, 0, 101376, 1});
  int count = 0;
  ASSERT_EQ(pqrt_device_count(&count), PQRT_OK) << pqrt_last_error();
  EXPECT_EQ(count, 2);
  int sm = 0;
  ASSERT_EQ(pqrt_device_sm(1, &sm), PQRT_OK);
  EXPECT_EQ(sm, 120);
  EXPECT_EQ(pqrt_device_sm(2, &sm), PQRT_NO_DEVICE);

  std::vector<uint8_t> bytes = writeBundle(sampleManifest(), sampleImages());
  pqrt_bundle *bundle = nullptr;
  ASSERT_EQ(pqrt_bundle_load_memory(bytes.data(), bytes.size(), &bundle),
            PQRT_OK);
  pqrt_indexer *indexer = nullptr;
  ASSERT_EQ(pqrt_indexer_create(bundle, 1, 4, &indexer), PQRT_OK)
      << pqrt_last_error();
  pqrt_bundle_destroy(bundle); // the indexer keeps what it needs
  EXPECT_EQ(std::string(mock.lastImage()), sampleImages()[1].bytes);

  indexer::RunArgs args = sampleArgs();
  pqrt_step step;
  pqrt_step_init(&step);
  step.batch = args.batch;
  step.seq_len = args.step.seqLen;
  step.key_capacity = args.keyCapacity;
  step.code_capacity = args.codeCapacity;
  step.query = args.step.query;
  step.key = args.step.key;
  step.centroids = args.step.centroids;
  step.codebook = args.step.codebook;
  step.num_cached = &cached;
  step.sparse_list = args.step.sparseList;
  step.sparse_len = args.step.sparseLen;
  step.weight_list = args.step.weightList;
  ASSERT_EQ(pqrt_indexer_run(indexer, &step, stream), PQRT_OK)
      << pqrt_last_error();
  EXPECT_EQ(cached, 196);
  EXPECT_EQ(mock.launch(0)->context, mock.primaryContext(1));
  EXPECT_EQ(pqrt_indexer_run(indexer, nullptr, stream), PQRT_INVALID_ARGUMENT);
  EXPECT_STREQ(pqrt_last_error(), "step: is null");
  step.num_cached = nullptr;
  EXPECT_EQ(pqrt_indexer_run(indexer, &step, stream), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(mock.count("launches"), 1);
  pqrt_indexer_destroy(indexer);
}

} // namespace
} // namespace test
} // namespace pqrt
