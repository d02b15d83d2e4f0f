//===- ValidateConfig.cpp - Static checks of a StepConfig -----------------===//
//
// Every static relation of SEMANTICS.md and the size limits of
// pqrt_limits.h. Messages start with the argument under its pqrt.h name (the
// pqrt_config or pqrt_step field, or the buffer it constrains) and give the
// value that was expected, so a caller can fix the call without reading this
// file.
//
//===----------------------------------------------------------------------===//

#include "pqrt/Reference.h"
#include "pqrt/pqrt_limits.h"

#include <string>

namespace pqrt {

namespace {

std::string str(int64_t value) { return std::to_string(value); }

Status inRange(const char *field, const char *symbol, int64_t value,
               int64_t minimum, int64_t maximum, const char *limitName) {
  if (value < minimum) {
    return Status::invalid(std::string(field) + ": " + symbol + " " +
                           str(value) + " must be at least " + str(minimum));
  }
  if (value > maximum) {
    return Status::invalid(std::string(field) + ": " + symbol + " " +
                           str(value) + " must be at most " + str(maximum) +
                           " (" + limitName + ")");
  }
  return Status::success();
}

bool isFloat(ElementType type) {
  return type == ElementType::F32 || type == ElementType::F16 ||
         type == ElementType::BF16;
}

Status checkSizes(const StepConfig &c) {
  const struct {
    const char *field;
    const char *symbol;
    int64_t value;
    int64_t minimum;
    int64_t maximum;
    const char *limitName;
  } sizes[] = {
      {"batch", "b", c.batch, 1, PQRT_MAX_BATCH, "PQRT_MAX_BATCH"},
      {"heads", "h", c.heads, 1, PQRT_MAX_HEADS, "PQRT_MAX_HEADS"},
      {"kv_heads", "h_kv", c.kvHeads, 1, PQRT_MAX_HEADS, "PQRT_MAX_HEADS"},
      {"head_dim", "d", c.headDim, 1, PQRT_MAX_HEAD_DIM, "PQRT_MAX_HEAD_DIM"},
      {"subspaces", "pq_group_factor", c.subspaces, 1, PQRT_MAX_HEAD_DIM,
       "PQRT_MAX_HEAD_DIM"},
      {"sink", "sink_size", c.sink, 0, PQRT_MAX_TOKENS, "PQRT_MAX_TOKENS"},
      {"window", "window_size", c.window, 0, PQRT_MAX_TOKENS,
       "PQRT_MAX_TOKENS"},
      {"heavy", "heavy_size", c.heavy, 0, PQRT_MAX_TOKENS, "PQRT_MAX_TOKENS"},
      {"init_offset", "init_offset", c.initOffset, 0, PQRT_MAX_TOKENS,
       "PQRT_MAX_TOKENS"},
      {"code_capacity", "code_capacity", c.codeCapacity, 0, PQRT_MAX_TOKENS,
       "PQRT_MAX_TOKENS"},
      {"key_capacity", "key_capacity", c.keyCapacity, 0, PQRT_MAX_TOKENS,
       "PQRT_MAX_TOKENS"},
  };
  for (const auto &size : sizes) {
    Status status = inRange(size.field, size.symbol, size.value, size.minimum,
                            size.maximum, size.limitName);
    if (!status.ok()) {
      return status;
    }
  }
  return Status::success();
}

Status checkShapes(const StepConfig &c) {
  if (c.heads % c.kvHeads != 0) {
    return Status::invalid("kv_heads: h " + str(c.heads) +
                           " is not divisible by h_kv " + str(c.kvHeads) +
                           " (GQA needs h % h_kv == 0)");
  }
  if (c.headDim % c.subspaces != 0) {
    return Status::invalid("head_dim: d " + str(c.headDim) +
                           " is not divisible by pq_group_factor " +
                           str(c.subspaces));
  }
  // 16 bits keep the centroid table and int64 codes far from overflow.
  if (c.bits < 1 || c.bits > PQRT_MAX_BITS) {
    return Status::invalid("bits: pq_bits " + str(c.bits) + " must be in [1, " +
                           str(PQRT_MAX_BITS) + "]");
  }
  if (c.layout == CodeLayout::Compact && c.bits > 8) {
    return Status::invalid("codebook: pq_bits " + str(c.bits) +
                           " does not fit the compact uint8 layout, which "
                           "requires pq_bits <= 8");
  }
  return Status::success();
}

Status checkKinds(const StepConfig &c) {
  if (c.metric != Metric::Euclidean && c.metric != Metric::InnerProduct) {
    return Status::invalid("metric: value " + str(int64_t(c.metric)) +
                           " is not euclidean or ip");
  }
  if (c.layout != CodeLayout::Seed && c.layout != CodeLayout::Compact) {
    return Status::invalid("layout: value " + str(int64_t(c.layout)) +
                           " is not seed or compact");
  }
  if (!isFloat(c.queryType)) {
    return Status::invalid(std::string("query_type: ") +
                           elementTypeName(c.queryType) +
                           " is not f32, f16 or bf16");
  }
  if (c.centroidType != ElementType::F32 &&
      c.centroidType != ElementType::BF16) {
    return Status::invalid(std::string("centroid_type: ") +
                           elementTypeName(c.centroidType) +
                           " is not f32 or bf16");
  }
  if (!isFloat(c.weightType)) {
    return Status::invalid(std::string("weight_type: ") +
                           elementTypeName(c.weightType) +
                           " is not f32, f16 or bf16");
  }
  if (c.indexType != ElementType::I64 && c.indexType != ElementType::I32) {
    return Status::invalid(std::string("index_type: ") +
                           elementTypeName(c.indexType) + " is not i64 or i32");
  }
  return Status::success();
}

} // namespace

Status validateConfig(const StepConfig &config) {
  Status status = checkSizes(config);
  if (status.ok()) {
    status = checkShapes(config);
  }
  if (status.ok()) {
    status = checkKinds(config);
  }
  return status;
}

} // namespace pqrt
