//===- ElementType.cpp - Names and sizes of element types -----------------===//
//
// Names used in error messages and manifests; sizes used to allocate buffers.
//
//===----------------------------------------------------------------------===//

#include "pqrt/Config.h"

namespace pqrt {

const char *elementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::F16:
    return "f16";
  case ElementType::BF16:
    return "bf16";
  case ElementType::I32:
    return "i32";
  case ElementType::I64:
    return "i64";
  case ElementType::U8:
    return "u8";
  }
  return "unknown";
}

int64_t elementSize(ElementType type) {
  switch (type) {
  case ElementType::F32:
  case ElementType::I32:
    return 4;
  case ElementType::F16:
  case ElementType::BF16:
    return 2;
  case ElementType::I64:
    return 8;
  case ElementType::U8:
    return 1;
  }
  return 0;
}

const char *metricName(Metric metric) {
  switch (metric) {
  case Metric::Euclidean:
    return "euclidean";
  case Metric::InnerProduct:
    return "ip";
  }
  return "unknown";
}

const char *layoutName(CodeLayout layout) {
  switch (layout) {
  case CodeLayout::Seed:
    return "seed";
  case CodeLayout::Compact:
    return "compact";
  }
  return "unknown";
}

} // namespace pqrt
