//===- CApiBoundsTest.cpp - Sizes past pqrt_limits.h through the C API ----===//
//
// Issue 9: the C API's reference path took sizes the bundle path refuses.
// A batch or sk far beyond any buffer made validation read wild memory, and
// sums past int64 wrapped into a wrong sparse path. Every call must refuse
// such sizes by name, read nothing and write nothing.
//
//===----------------------------------------------------------------------===//

#include "CApiStep.h"
#include "ValidationHelpers.h"
#include "pqrt/pqrt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace pqrt {
namespace test {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string lastError() { return pqrt_last_error(); }

/// A small compact step with one key to quantize; C = 2.
StepConfig smallConfig() {
  StepConfig c;
  c.batch = 1;
  c.heads = 2;
  c.kvHeads = 1;
  c.headDim = 4;
  c.subspaces = 1;
  c.bits = 1;
  c.sink = c.window = 1;
  c.heavy = 2;
  c.initOffset = 1;
  c.layout = CodeLayout::Compact;
  return c;
}

/// pqrt_reference_run on `buffers` with `edit` applied to the C step must
/// fail naming `expected`, and leave every output and the count untouched.
template <typename Edit>
void expectRunRejected(StepBuffers &buffers, const pqrt_config &config,
                       Edit edit, const std::string &expected) {
  StepBuffers before = buffers;
  pqrt_step step = cStep(buffers);
  edit(step);
  EXPECT_EQ(pqrt_reference_run(&config, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find(expected), std::string::npos) << lastError();
  EXPECT_EQ(buffers.sparseList, before.sparseList);
  EXPECT_EQ(buffers.sparseLen, before.sparseLen);
  EXPECT_EQ(buffers.weightList, before.weightList);
  EXPECT_EQ(buffers.codebook, before.codebook);
  EXPECT_EQ(buffers.numCached, before.numCached);
}

TEST(CApiBounds, HugeBatchAndSeqLenAreRefusedBeforeAnyRead) {
  StepBuffers buffers = makeRandomStep(smallConfig(), 16, 14, 1);
  const pqrt_config config = cConfig(buffers.config);
  // The case: the codebook check walked 2^40 * 2^30 rows.
  expectRunRejected(
      buffers, config,
      [](pqrt_step &s) {
        s.batch = int64_t(1) << 40;
        s.seq_len = s.key_capacity = s.code_capacity = int64_t(1) << 30;
      },
      "batch: b 1099511627776 must be at most 1048576 (PQRT_MAX_BATCH)");
  expectRunRejected(
      buffers, config, [](pqrt_step &s) { s.batch = kMax; },
      "batch: b 9223372036854775807 must be at most");
  expectRunRejected(
      buffers, config, [](pqrt_step &s) { s.seq_len = kMax; },
      "seq_len: sk 9223372036854775807 must be at most 1099511627776 "
      "(PQRT_MAX_TOKENS)");
  expectRunRejected(
      buffers, config,
      [](pqrt_step &s) { s.code_capacity = (int64_t(1) << 40) + 1; },
      "code_capacity: code_capacity 1099511627777 must be at most");
}

TEST(CApiBounds, ProductsOfBoundedSizesAreCheckedForOverflow) {
  // Every size within its limit, the key cache still past 2^63 bytes.
  StepConfig c = smallConfig();
  c.kvHeads = c.heads = PQRT_MAX_HEADS;
  c.headDim = PQRT_MAX_HEAD_DIM;
  c.subspaces = 1;
  const pqrt_config config = cConfig(c);
  int64_t cached = 0;
  uint8_t dummy[64] = {};
  pqrt_step step;
  pqrt_step_init(&step);
  step.batch = PQRT_MAX_BATCH;
  step.seq_len = 1 << 20;
  step.key_capacity = step.code_capacity = 1 << 20;
  step.query = step.key = step.centroids = dummy;
  step.codebook = step.sparse_list = step.weight_list = dummy;
  step.sparse_len = reinterpret_cast<int64_t *>(dummy);
  step.num_cached = &cached;
  EXPECT_EQ(pqrt_reference_run(&config, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(),
            "key: [b, h_kv, key_capacity, d] = [1048576, 65536, 1048576, "
            "65536] bf16 is more than 2^63 - 1 bytes; reduce the batch, "
            "seq_len or the capacities");
  step.batch = 1;
  step.key_capacity = PQRT_MAX_TOKENS;
  EXPECT_EQ(pqrt_reference_run(&config, &step), PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("key: [b, h_kv, key_capacity, d] = [1, 65536, "
                             "1099511627776, 65536] bf16 is more than"),
            std::string::npos)
      << lastError();
  EXPECT_EQ(cached, 0);
  for (uint8_t byte : dummy) {
    EXPECT_EQ(byte, 0);
  }
}

TEST(CApiBounds, StepSizesAreBounded) {
  StepBuffers buffers = makeRandomStep(smallConfig(), 16, 14, 2);
  const struct {
    int64_t pqrt_config::*field;
    const char *message;
  } cases[] = {
      {&pqrt_config::heavy, "heavy: heavy_size 9223372036854775805 must be "
                            "at most 1099511627776 (PQRT_MAX_TOKENS)"},
      {&pqrt_config::sink, "sink: sink_size 9223372036854775805 must be"},
      {&pqrt_config::window, "window: window_size 9223372036854775805 must"},
      {&pqrt_config::init_offset, "init_offset: init_offset "
                                  "9223372036854775805 must be at most"},
      {&pqrt_config::heads, "heads: h 9223372036854775805 must be at most "
                            "65536 (PQRT_MAX_HEADS)"},
      {&pqrt_config::head_dim, "head_dim: d 9223372036854775805 must be at "
                               "most 65536 (PQRT_MAX_HEAD_DIM)"},
  };
  for (const auto &c : cases) {
    pqrt_config config = cConfig(buffers.config);
    config.*c.field = kMax - 2;
    expectRunRejected(
        buffers, config, [](pqrt_step &) {}, c.message);
  }
}

TEST(CApiBounds, FullAttentionBoundNeverWraps) {
  // heavy + init_offset + 1 + C past int64 used to wrap negative and send
  // sk = 16 down the sparse path (token 1 missing, 15 twice).
  StepConfig c = smallConfig();
  c.heavy = kMax - 2;
  c.initOffset = 2;
  EXPECT_TRUE(isFullAttention(c, 16));
  EXPECT_TRUE(isFullAttention(c, kMax));
  EXPECT_EQ(outputTotal(c, 16), 16);
  c.heavy = std::numeric_limits<int64_t>::min() + 2;
  EXPECT_FALSE(isFullAttention(c, 16));

  // At the limit the sum fits and the full path is exact.
  c.heavy = PQRT_MAX_TOKENS;
  StepBuffers buffers = makeRandomStep(c, 16, 14, 3);
  pqrt_config config = cConfig(buffers.config);
  pqrt_step step = cStep(buffers);
  ASSERT_EQ(pqrt_reference_run(&config, &step), PQRT_OK) << lastError();
  for (int64_t head = 0; head < c.heads; ++head) {
    std::vector<int64_t> expected(16);
    for (int64_t i = 0; i < 16; ++i) {
      expected[size_t(i)] = i;
    }
    EXPECT_EQ(buffers.listRow(0, head), expected);
    EXPECT_EQ(buffers.lenAt(0, head), 16);
  }
  EXPECT_EQ(buffers.numCached, 14); // the full path leaves the count alone
}

TEST(CApiBounds, OutputTotal) {
  pqrt_config config = cConfig(smallConfig());
  config.sink = config.window = config.heavy = kMax;
  int64_t total = -1;
  int full = -1;
  EXPECT_EQ(pqrt_output_total(&config, kMax, &total, &full),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "sink: sink_size 9223372036854775807 must be at "
                         "most 1099511627776 (PQRT_MAX_TOKENS)");
  EXPECT_EQ(total, -1);
  EXPECT_EQ(full, -1);

  config = cConfig(smallConfig());
  EXPECT_EQ(pqrt_output_total(&config, kMax, &total, &full),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "seq_len: sk 9223372036854775807 must be at most "
                         "1099511627776 (PQRT_MAX_TOKENS)");
  EXPECT_EQ(pqrt_output_total(&config, PQRT_MAX_TOKENS, &total, &full),
            PQRT_OK);
  EXPECT_EQ(total, 1 + 2 + 1);
  EXPECT_EQ(full, 0);
  // NULL outputs are allowed (pqrt.h), and the arguments still checked.
  EXPECT_EQ(pqrt_output_total(&config, 16, nullptr, nullptr), PQRT_OK);
  EXPECT_EQ(pqrt_output_total(&config, 0, nullptr, nullptr),
            PQRT_INVALID_ARGUMENT);
}

TEST(CApiBounds, ScoresAndComparisonsAreBoundedToo) {
  StepBuffers buffers = makeRandomStep(smallConfig(), 16, 15, 4);
  const pqrt_config config = cConfig(buffers.config);
  pqrt_step step = cStep(buffers);
  step.batch = int64_t(1) << 40;
  float scores[64];
  EXPECT_EQ(pqrt_reference_scores(&config, &step, scores, 64),
            PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("batch: b 1099511627776"), std::string::npos)
      << lastError();
  pqrt_outputs outputs = cOutputs(buffers);
  EXPECT_EQ(pqrt_reference_compare(&config, int64_t(1) << 40, 16, &outputs,
                                   scores, &outputs, -1),
            PQRT_INVALID_ARGUMENT);
  EXPECT_EQ(
      pqrt_reference_compare_identical(&config, 1, kMax, &outputs, &outputs),
      PQRT_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("seq_len: sk 9223372036854775807"),
            std::string::npos)
      << lastError();
}

} // namespace
} // namespace test
} // namespace pqrt
