//===- RunValidateTest.cpp - Every rule an indexer launch checks ----------===//
//
// validateRun on fake device addresses: the checks must hold without ever
// dereferencing a buffer (a dereference would crash this test), and must
// reject what the reference rejects plus the module's own limits.
//
//===----------------------------------------------------------------------===//

#include "SampleBundle.h"
#include "indexer/Launch.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

using indexer::RunArgs;
using indexer::validateRun;

/// An address no test may touch: not mapped in any process.
void *device(uintptr_t offset) {
  return reinterpret_cast<void *>(uintptr_t(0xdead0000000) + offset);
}

class RunValidate : public ::testing::Test {
protected:
  // The sample: h 8, h_kv 2, C 64, sink 4, window 8, heavy 16, init 4, so
  // sk <= 85 is full attention. sk 200 gives n = 196.
  bundle::Bundle module = sampleBundle();
  int64_t cached = 100;
  RunArgs args;

  void SetUp() override {
    args.batch = 2;
    args.keyCapacity = 256;
    args.codeCapacity = 256;
    args.step.seqLen = 200;
    args.step.query = device(0x100);
    args.step.key = device(0x200);
    args.step.centroids = device(0x300);
    args.step.phi = nullptr;
    args.step.codebook = device(0x400);
    args.step.numCached = &cached;
    args.step.sparseList = device(0x500);
    args.step.sparseLen = static_cast<int64_t *>(device(0x600));
    args.step.weightList = device(0x700);
  }

  void expectInvalid(const std::string &text, int64_t maxBatch = 4) {
    Status status = validateRun(module, maxBatch, args);
    EXPECT_EQ(status.code, StatusCode::InvalidArgument) << status.message;
    EXPECT_NE(status.message.find(text), std::string::npos) << status.message;
  }
  void expectValid(int64_t maxBatch = 4) {
    Status status = validateRun(module, maxBatch, args);
    EXPECT_TRUE(status.ok()) << status.message;
  }
};

TEST_F(RunValidate, AcceptsAValidStep) {
  expectValid();
  cached = 0;
  expectValid();
  cached = 196;
  expectValid();
  EXPECT_EQ(cached, 196); // validation never writes
}

TEST_F(RunValidate, Batch) {
  args.batch = 0;
  expectInvalid("batch: b 0 must be at least 1");
  args.batch = 5;
  expectInvalid("batch: b 5 exceeds the indexer's max_batch 4");
  module = sampleBundle([](Json &m) { m["step"]["batch"] = 2; });
  args.batch = 1;
  expectInvalid("batch: b 1 differs from b 2 that module 'sample' was "
                "compiled for",
                /*maxBatch=*/0);
  expectInvalid("max_batch: 4 differs from b 2 that module 'sample' was "
                "compiled for");
  args.batch = 2;
  expectValid(/*maxBatch=*/0);
  expectValid(/*maxBatch=*/2);
}

TEST_F(RunValidate, SeqLen) {
  args.step.seqLen = 4097;
  expectInvalid("seq_len: sk 4097 exceeds max_seq_len 4096 of module 'sample'");
  args.step.seqLen = 0;
  expectInvalid("seq_len: sk 0 must be at least 1");
  args.step.seqLen = -5;
  expectInvalid("seq_len: sk -5 must be at least 1");
}

TEST_F(RunValidate, QueryLen) {
  args.step.queryLen = 2;
  expectInvalid("query: sq 2 is not supported");
}

TEST_F(RunValidate, NullBuffers) {
  const struct {
    const char *name;
    std::function<void(StepArgs &)> clear;
  } cases[] = {
      {"query: is null", [](StepArgs &s) { s.query = nullptr; }},
      {"centroids: is null", [](StepArgs &s) { s.centroids = nullptr; }},
      {"codebook: is null", [](StepArgs &s) { s.codebook = nullptr; }},
      {"sparse_list: is null", [](StepArgs &s) { s.sparseList = nullptr; }},
      {"sparse_len: is null", [](StepArgs &s) { s.sparseLen = nullptr; }},
      {"weight_list: is null", [](StepArgs &s) { s.weightList = nullptr; }},
      {"num_cached: is null", [](StepArgs &s) { s.numCached = nullptr; }},
      {"key: is null", [](StepArgs &s) { s.key = nullptr; }},
  };
  for (const auto &c : cases) {
    SetUp();
    c.clear(args.step);
    expectInvalid(c.name);
  }
}

TEST_F(RunValidate, NumCached) {
  cached = -1;
  expectInvalid("num_cached: n_cached -1 must be at least 0");
  cached = 197;
  expectInvalid("num_cached: n_cached 197 exceeds n = sk - init_offset = 196");
}

TEST_F(RunValidate, KeyOnlyWhenQuantizing) {
  args.step.key = nullptr;
  expectInvalid("key: is null");
  cached = 196; // nothing left to quantize
  expectValid();
  args.keyCapacity = 0;
  expectValid();
  cached = 195;
  args.step.key = device(0x200);
  expectInvalid("key: key_capacity 0 is less than sk 200");
}

TEST_F(RunValidate, CodeCapacity) {
  args.codeCapacity = 195;
  expectInvalid("codebook: code_capacity 195 is less than n = sk - "
                "init_offset = 196");
}

TEST_F(RunValidate, ModuleWithoutQuantize) {
  module = sampleBundle(makeNoQuantize);
  args.step.key = nullptr;
  expectInvalid("num_cached: n_cached 100 is not n = sk - init_offset = 196; "
                "module 'sample' does not quantize");
  cached = 196;
  expectValid();
}

TEST_F(RunValidate, PhiForInnerProduct) {
  module = sampleBundle(makeInnerProduct);
  expectInvalid("phi: is null");
  args.step.phi = static_cast<const float *>(device(0x800));
  expectValid();
  // A non-quantizing ip module takes no phi.
  module = sampleBundle([](Json &m) {
    m["step"]["metric"] = "ip";
    makeNoQuantize(m);
  });
  args.step.phi = nullptr;
  cached = 196;
  expectValid();
}

TEST_F(RunValidate, FullAttentionNeedsOnlyOutputs) {
  args.step.seqLen = 85; // heavy + init_offset + 1 + C
  args.step.numCached = nullptr;
  args.step.query = nullptr;
  args.step.key = nullptr;
  args.step.centroids = nullptr;
  args.step.codebook = nullptr;
  expectValid();
  args.step.weightList = nullptr;
  expectInvalid("weight_list: is null");
}

TEST_F(RunValidate, IndexTypeI32) {
  module = sampleBundle([](Json &m) {
    m["step"]["index_type"] = "i32";
    m["step"]["max_seq_len"] = int64_t(1) << 40;
  });
  args.step.seqLen = int64_t(1) << 31;
  args.keyCapacity = args.step.seqLen;
  args.codeCapacity = args.step.seqLen;
  expectInvalid("index_type: i32 cannot hold positions of sk 2147483648");
}

TEST_F(RunValidate, CapacitiesAreBounded) {
  args.keyCapacity = int64_t(1) << 60;
  expectInvalid("key_capacity: key_capacity 1152921504606846976 must be at "
                "most 1099511627776 (PQRT_MAX_TOKENS)");
  args.keyCapacity = 256;
  args.codeCapacity = int64_t(1) << 61;
  expectInvalid("code_capacity: code_capacity 2305843009213693952 must be at "
                "most 1099511627776 (PQRT_MAX_TOKENS)");
  args.codeCapacity = -1;
  expectInvalid("code_capacity: code_capacity -1 must be at least 0");
}

TEST_F(RunValidate, MaxBatchIsBounded) {
  expectInvalid("max_batch: 2097152 is not in [1, 1048576] (PQRT_MAX_BATCH)",
                int64_t(1) << 21);
  args.batch = int64_t(1) << 40;
  expectInvalid("max_batch: 9223372036854775807 is not in [1, 1048576]",
                INT64_MAX);
}

TEST_F(RunValidate, ClusterDividesTheBatch) {
  module = sampleBundle([](Json &m) {
    m["kernels"][0]["cluster"] = {1, 2, 1};
  });
  args.batch = 3;
  expectInvalid("batch: b 3 is not a multiple of the cluster dimension 2 "
                "(grid entry 1 of kernel 'pq_row' is \"batch\")");
  args.batch = 4;
  expectValid();
}

TEST_F(RunValidate, BatchGridLimit) {
  args.batch = 70000; // grid y is "batch": at most 65535
  args.step.numCached = &cached;
  expectInvalid("batch: b 70000 is outside [1, 65535]", 100000);
}

} // namespace
} // namespace test
} // namespace pqrt
