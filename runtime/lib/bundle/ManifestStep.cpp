//===- ManifestStep.cpp - The manifest's "step" section -------------------===//
//
// Reads the static configuration and hands it to the reference's
// validateConfig, so a module obeys exactly the rules of SEMANTICS.md that
// every other implementation obeys. Bounds on sizes keep every element count
// the runtime computes later far from int64 overflow.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"
#include "pqrt/Reference.h"
#include "pqrt/pqrt_limits.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace pqrt {
namespace bundle {

namespace {

using Choices = std::vector<std::pair<const char *, int>>;

const Choices kFloatTypes = {{"f32", int(ElementType::F32)},
                             {"f16", int(ElementType::F16)},
                             {"bf16", int(ElementType::BF16)}};
const Choices kCentroidTypes = {{"f32", int(ElementType::F32)},
                                {"bf16", int(ElementType::BF16)}};
const Choices kIndexTypes = {{"i32", int(ElementType::I32)},
                             {"i64", int(ElementType::I64)}};
const Choices kMetrics = {{"euclidean", int(Metric::Euclidean)},
                          {"ip", int(Metric::InnerProduct)}};
const Choices kLayouts = {{"seed", int(CodeLayout::Seed)},
                          {"compact", int(CodeLayout::Compact)}};

Status readSizes(FieldReader &fields, StepConfig &c, int64_t &batch,
                 int64_t &maxSeqLen) {
  const char *positive = "a positive integer";
  const char *natural = "a non-negative integer";
  const struct {
    const char *key;
    int64_t min;
    int64_t max;
    const char *expected;
    int64_t *out;
  } sizes[] = {
      {"batch", 0, PQRT_MAX_BATCH, natural, &batch},
      {"heads", 1, PQRT_MAX_HEADS, positive, &c.heads},
      {"kv_heads", 1, PQRT_MAX_HEADS, positive, &c.kvHeads},
      {"head_dim", 1, PQRT_MAX_HEAD_DIM, positive, &c.headDim},
      {"subspaces", 1, PQRT_MAX_HEAD_DIM, positive, &c.subspaces},
      {"bits", 1, PQRT_MAX_BITS, positive, &c.bits},
      {"sink", 0, PQRT_MAX_TOKENS, natural, &c.sink},
      {"window", 0, PQRT_MAX_TOKENS, natural, &c.window},
      {"heavy", 0, PQRT_MAX_TOKENS, natural, &c.heavy},
      {"init_offset", 0, PQRT_MAX_TOKENS, natural, &c.initOffset},
      {"max_seq_len", 1, PQRT_MAX_TOKENS, positive, &maxSeqLen},
  };
  for (const auto &size : sizes) {
    Status status =
        fields.integer(size.key, size.min, size.max, size.expected, *size.out);
    if (!status.ok()) {
      return status;
    }
  }
  return Status::success();
}

template <typename Enum>
Status readChoice(FieldReader &fields, const char *key, const Choices &choices,
                  Enum &out) {
  int value = 0;
  Status status = fields.choice(key, choices, value);
  if (status.ok()) {
    out = static_cast<Enum>(value);
  }
  return status;
}

Status readKinds(FieldReader &fields, StepConfig &c) {
  Status status = readChoice(fields, "metric", kMetrics, c.metric);
  if (status.ok()) {
    status = readChoice(fields, "layout", kLayouts, c.layout);
  }
  if (status.ok()) {
    status = readChoice(fields, "query_type", kFloatTypes, c.queryType);
  }
  if (status.ok()) {
    status =
        readChoice(fields, "centroid_type", kCentroidTypes, c.centroidType);
  }
  if (status.ok()) {
    status = readChoice(fields, "weight_type", kFloatTypes, c.weightType);
  }
  if (status.ok()) {
    status = readChoice(fields, "index_type", kIndexTypes, c.indexType);
  }
  return status;
}

} // namespace

Status parseStep(const Json &step, Bundle &out) {
  FieldReader fields(step, "step");
  StepConfig config;
  int64_t batch = 0;
  int64_t maxSeqLen = 0;
  bool quantize = false;
  Status status = readSizes(fields, config, batch, maxSeqLen);
  if (status.ok()) {
    status = readKinds(fields, config);
  }
  if (status.ok()) {
    status = fields.boolean("quantize", quantize);
  }
  if (status.ok()) {
    status = fields.rejectUnknown();
  }
  if (!status.ok()) {
    return status;
  }
  config.batch = batch == 0 ? 1 : batch;
  config.keyCapacity = 0;
  config.codeCapacity = 0;
  Status valid = validateConfig(config);
  if (!valid.ok()) {
    return {StatusCode::BadModule,
            "bundle: manifest 'step' breaks SEMANTICS.md: " + valid.message};
  }
  out.step = config;
  out.staticBatch = batch;
  out.maxSeqLen = maxSeqLen;
  out.quantize = quantize;
  return Status::success();
}

} // namespace bundle
} // namespace pqrt
