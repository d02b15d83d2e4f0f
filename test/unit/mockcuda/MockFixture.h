//===- MockFixture.h - Indexer tests over the mock driver -------*- C++ -*-===//

#ifndef PQ_TEST_UNIT_MOCKCUDA_MOCKFIXTURE_H
#define PQ_TEST_UNIT_MOCKCUDA_MOCKFIXTURE_H

#include "MockControl.h"
#include "SampleBundle.h"
#include "indexer/Indexer.h"

#include <gtest/gtest.h>

#include <memory>

namespace pqrt {
namespace test {

class MockIndexer : public ::testing::Test {
protected:
  MockControl mock;
  int64_t cached = 100;

  void SetUp() override {
    ASSERT_TRUE(mock.ok()) << "libcuda.so.1 here is not the mock; run with "
                              "LD_LIBRARY_PATH=<build>/test/unit/mockcuda";
    mock.reset();
  }
  void TearDown() override {
    // Every test destroys its indexers: nothing may stay loaded.
    EXPECT_EQ(mock.count("live_modules"), 0);
    EXPECT_EQ(mock.count("ctx_retains"), mock.count("ctx_releases"));
    EXPECT_EQ(mock.count("allocs"), mock.count("frees"));
    EXPECT_EQ(mock.count("ctx_depth"), 0);
  }

  static std::shared_ptr<const bundle::Bundle> shared(const bundle::Bundle &b) {
    return std::make_shared<const bundle::Bundle>(b);
  }

  std::unique_ptr<indexer::Indexer>
  create(const bundle::Bundle &b, int64_t maxBatch = 4, int ordinal = 0) {
    std::unique_ptr<indexer::Indexer> out;
    Status status = indexer::Indexer::create(shared(b), ordinal, maxBatch, out);
    EXPECT_TRUE(status.ok()) << status.message;
    return out;
  }

  /// A valid call of the sample module on fake device addresses; sk 200
  /// (n = 196), batch 3.
  indexer::RunArgs sampleArgs() {
    indexer::RunArgs args;
    args.batch = 3;
    args.keyCapacity = 256;
    args.codeCapacity = 200;
    args.step.seqLen = 200;
    args.step.query = reinterpret_cast<void *>(0x10000);
    args.step.key = reinterpret_cast<void *>(0x20000);
    args.step.centroids = reinterpret_cast<void *>(0x30000);
    args.step.codebook = reinterpret_cast<void *>(0x40000);
    args.step.numCached = &cached;
    args.step.sparseList = reinterpret_cast<void *>(0x50000);
    args.step.sparseLen = reinterpret_cast<int64_t *>(0x60000);
    args.step.weightList = reinterpret_cast<void *>(0x70000);
    return args;
  }

  CUstream stream = reinterpret_cast<CUstream>(0x5151);
};

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_MOCKCUDA_MOCKFIXTURE_H
