//===- ValidateConfig.cpp - Static checks of a StepConfig -----------------===//
//
// Every static relation of SEMANTICS.md. Messages start with the argument
// (the StepConfig field or the buffer it constrains) and give the value that
// was expected, so a caller can fix the call without reading this file.
//
//===----------------------------------------------------------------------===//

#include "pqrt/Reference.h"

#include <string>

namespace pqrt {

namespace {

std::string str(int64_t value) { return std::to_string(value); }

Status atLeast(const char *field, const char *symbol, int64_t value,
               int64_t minimum) {
  if (value >= minimum) {
    return Status::success();
  }
  return Status::invalid(std::string(field) + ": " + symbol + " " + str(value) +
                         " must be at least " + str(minimum));
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
  } sizes[] = {
      {"batch", "b", c.batch, 1},
      {"heads", "h", c.heads, 1},
      {"kvHeads", "h_kv", c.kvHeads, 1},
      {"headDim", "d", c.headDim, 1},
      {"subspaces", "pq_group_factor", c.subspaces, 1},
      {"sink", "sink_size", c.sink, 0},
      {"window", "window_size", c.window, 0},
      {"heavy", "heavy_size", c.heavy, 0},
      {"initOffset", "init_offset", c.initOffset, 0},
      {"codeCapacity", "code_capacity", c.codeCapacity, 0},
      {"keyCapacity", "key_capacity", c.keyCapacity, 0},
  };
  for (const auto &size : sizes) {
    Status status = atLeast(size.field, size.symbol, size.value, size.minimum);
    if (!status.ok()) {
      return status;
    }
  }
  return Status::success();
}

Status checkShapes(const StepConfig &c) {
  if (c.heads % c.kvHeads != 0) {
    return Status::invalid("kvHeads: h " + str(c.heads) +
                           " is not divisible by h_kv " + str(c.kvHeads) +
                           " (GQA needs h % h_kv == 0)");
  }
  if (c.headDim % c.subspaces != 0) {
    return Status::invalid("query: head_dim " + str(c.headDim) +
                           " is not divisible by pq_group_factor " +
                           str(c.subspaces));
  }
  // 16 bits keep the centroid table and int64 codes far from overflow.
  if (c.bits < 1 || c.bits > 16) {
    return Status::invalid("bits: pq_bits " + str(c.bits) +
                           " must be in [1, 16]");
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
    return Status::invalid(std::string("queryType: ") +
                           elementTypeName(c.queryType) +
                           " is not f32, f16 or bf16");
  }
  if (c.centroidType != ElementType::F32 &&
      c.centroidType != ElementType::BF16) {
    return Status::invalid(std::string("centroidType: ") +
                           elementTypeName(c.centroidType) +
                           " is not f32 or bf16");
  }
  if (!isFloat(c.weightType)) {
    return Status::invalid(std::string("weightType: ") +
                           elementTypeName(c.weightType) +
                           " is not f32, f16 or bf16");
  }
  if (c.indexType != ElementType::I64 && c.indexType != ElementType::I32) {
    return Status::invalid(std::string("indexType: ") +
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
