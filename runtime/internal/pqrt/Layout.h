//===- Layout.h - Buffer shapes, offsets and typed access -------*- C++ -*-===//
//
// Element counts and flat offsets of every step buffer (SEMANTICS.md shapes
// with the capacities of StepConfig), and typed loads/stores by ElementType.
// Shared by the reference, the comparison, tests and host tools so that the
// layouts are written down exactly once.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LAYOUT_H
#define PQRT_LAYOUT_H

#include "pqrt/Config.h"
#include "pqrt/Float16.h"

#include <cstdint>

namespace pqrt {

// Element counts (not bytes) of each buffer.
inline int64_t queryElements(const StepConfig &c) {
  return c.batch * c.heads * c.headDim;
}
inline int64_t keyElements(const StepConfig &c) {
  return c.batch * c.kvHeads * c.keyCapacity * c.headDim;
}
inline int64_t centroidElements(const StepConfig &c) {
  return c.batch * c.kvHeads * c.subspaces * c.centroids() * c.centroidDim();
}
inline int64_t phiElements(const StepConfig &c) {
  return c.batch * c.kvHeads * c.subspaces;
}
inline int64_t codebookElements(const StepConfig &c) {
  return c.batch * c.codeCapacity * c.kvHeads * c.subspaces;
}
inline int64_t sparseLenElements(const StepConfig &c) {
  return c.batch * c.heads;
}
/// sparse_list is [b, h, total]; total depends on sk (see outputTotal).
inline int64_t sparseListElements(const StepConfig &c, int64_t total) {
  return c.batch * c.heads * total;
}
inline int64_t weightElements(const StepConfig &c, int64_t seqLen) {
  return c.batch * c.heads * seqLen;
}
inline ElementType codeType(const StepConfig &c) {
  return c.layout == CodeLayout::Seed ? ElementType::I64 : ElementType::U8;
}

// Flat offsets.
inline int64_t queryOffset(const StepConfig &c, int64_t b, int64_t head,
                           int64_t dim) {
  return (b * c.heads + head) * c.headDim + dim;
}
inline int64_t keyOffset(const StepConfig &c, int64_t b, int64_t kv,
                         int64_t pos, int64_t dim) {
  return ((b * c.kvHeads + kv) * c.keyCapacity + pos) * c.headDim + dim;
}
inline int64_t centroidOffset(const StepConfig &c, int64_t b, int64_t kv,
                              int64_t s, int64_t code, int64_t dim) {
  return (((b * c.kvHeads + kv) * c.subspaces + s) * c.centroids() + code) *
             c.centroidDim() +
         dim;
}
inline int64_t phiOffset(const StepConfig &c, int64_t b, int64_t kv,
                         int64_t s) {
  return (b * c.kvHeads + kv) * c.subspaces + s;
}
/// Row j of the codebook: seed is [b, n_max, h_kv, S], compact
/// [b, h_kv, n_max, S].
inline int64_t codeOffset(const StepConfig &c, int64_t b, int64_t j, int64_t kv,
                          int64_t s) {
  if (c.layout == CodeLayout::Seed) {
    return ((b * c.codeCapacity + j) * c.kvHeads + kv) * c.subspaces + s;
  }
  return ((b * c.kvHeads + kv) * c.codeCapacity + j) * c.subspaces + s;
}

/// Reads element `index` of a float-typed buffer (F32, F16, BF16) as fp32;
/// integer types are converted by value.
inline float loadFloat(ElementType type, const void *base, int64_t index) {
  switch (type) {
  case ElementType::F32:
    return static_cast<const float *>(base)[index];
  case ElementType::F16:
    return f16ToFloat(static_cast<const uint16_t *>(base)[index]);
  case ElementType::BF16:
    return bf16ToFloat(static_cast<const uint16_t *>(base)[index]);
  case ElementType::I32:
    return float(static_cast<const int32_t *>(base)[index]);
  case ElementType::I64:
    return float(static_cast<const int64_t *>(base)[index]);
  case ElementType::U8:
    return float(static_cast<const uint8_t *>(base)[index]);
  }
  return 0.0f;
}

/// Writes `value` rounded to nearest-even into a float-typed buffer.
inline void storeFloat(ElementType type, void *base, int64_t index,
                       float value) {
  switch (type) {
  case ElementType::F32:
    static_cast<float *>(base)[index] = value;
    return;
  case ElementType::F16:
    static_cast<uint16_t *>(base)[index] = floatToF16(value);
    return;
  case ElementType::BF16:
    static_cast<uint16_t *>(base)[index] = floatToBF16(value);
    return;
  default:
    return; // Not a float type; validation rejects this earlier.
  }
}

/// Reads element `index` of an integer buffer (I32, I64, U8).
inline int64_t loadInt(ElementType type, const void *base, int64_t index) {
  switch (type) {
  case ElementType::I32:
    return static_cast<const int32_t *>(base)[index];
  case ElementType::I64:
    return static_cast<const int64_t *>(base)[index];
  case ElementType::U8:
    return static_cast<const uint8_t *>(base)[index];
  default:
    return 0; // Not an integer type; validation rejects this earlier.
  }
}

/// Writes `value` into an integer buffer; the caller guarantees it fits.
inline void storeInt(ElementType type, void *base, int64_t index,
                     int64_t value) {
  switch (type) {
  case ElementType::I32:
    static_cast<int32_t *>(base)[index] = int32_t(value);
    return;
  case ElementType::I64:
    static_cast<int64_t *>(base)[index] = value;
    return;
  case ElementType::U8:
    static_cast<uint8_t *>(base)[index] = uint8_t(value);
    return;
  default:
    return;
  }
}

} // namespace pqrt

#endif // PQRT_LAYOUT_H
