//===- CompareIdentical.cpp - Bitwise determinism check -------------------===//
//
// Two runs of one implementation on the same inputs must agree bit for bit;
// the message names the first differing element so a flaky kernel can be
// located.
//
//===----------------------------------------------------------------------===//

#include "pqrt/Compare.h"
#include "Internal.h"
#include "pqrt/Layout.h"

#include <cstring>
#include <string>

namespace pqrt {

namespace {

std::string str(int64_t value) { return std::to_string(value); }

/// Index of the first element (of `size` bytes each) that differs, or -1.
int64_t firstDifference(const void *a, const void *b, int64_t count,
                        int64_t size) {
  const char *x = static_cast<const char *>(a);
  const char *y = static_cast<const char *>(b);
  for (int64_t i = 0; i < count; ++i) {
    if (std::memcmp(x + i * size, y + i * size, size) != 0) {
      return i;
    }
  }
  return -1;
}

Status difference(const StepConfig &config, const char *output, int64_t index,
                  int64_t rowLength, const char *unit) {
  int64_t row = index / rowLength;
  return Status::mismatch(
      std::string(output) + ": b " + str(row / config.heads) + ", h " +
      str(row % config.heads) + ", " + unit + " " + str(index % rowLength) +
      " differs between the two runs");
}

} // namespace

Status compareIdentical(const StepConfig &config, int64_t seqLen,
                        const StepOutputs &first, const StepOutputs &second) {
  BufferElements elements;
  Status status = detail::validateOutputSizes(config, seqLen, elements);
  if (!status.ok()) {
    return status;
  }
  for (const StepOutputs *out : {&first, &second}) {
    if (!out->sparseList || !out->sparseLen || !out->weightList) {
      return Status::invalid(
          std::string(out == &first ? "first" : "second") +
          ": sparse_list, sparse_len and weight_list must all "
          "be non-null");
    }
  }
  const int64_t total = outputTotal(config, seqLen);
  int64_t at = firstDifference(first.sparseLen, second.sparseLen,
                               sparseLenElements(config), sizeof(int64_t));
  if (at >= 0) {
    return difference(config, "sparse_len", at, 1, "entry");
  }
  at = firstDifference(first.sparseList, second.sparseList,
                       sparseListElements(config, total),
                       elementSize(config.indexType));
  if (at >= 0) {
    return difference(config, "sparse_list", at, total, "entry");
  }
  at = firstDifference(first.weightList, second.weightList,
                       weightElements(config, seqLen),
                       elementSize(config.weightType));
  if (at >= 0) {
    return difference(config, "weight_list", at, seqLen, "position");
  }
  return Status::success();
}

} // namespace pqrt
