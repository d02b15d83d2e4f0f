//===- Emit.cpp - sparse_list, sparse_len, weight_list (steps 1, 6) -------===//
//
// One (b, head) row at a time. The weight row is cleared and then set to 1 at
// every listed position, so a position listed twice (init_offset < sink, or
// k > ws) still has weight 1.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "pqrt/Layout.h"

#include <algorithm>

namespace pqrt {
namespace detail {

namespace {

int64_t rowIndex(const StepConfig &config, int64_t b, int64_t head) {
  return b * config.heads + head;
}

void clearWeights(const StepConfig &config, void *weights, int64_t begin,
                  int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    storeFloat(config.weightType, weights, begin + i, 0.0f);
  }
}

} // namespace

void emitRow(const StepConfig &config, const StepArgs &args, int64_t b,
             int64_t head, const std::vector<int64_t> &heavy) {
  const int64_t sk = args.seqLen;
  const int64_t sinkCount = std::min(config.sink, sk);
  const int64_t windowCount = std::min(config.window, sk);
  const int64_t total = sinkCount + int64_t(heavy.size()) + windowCount;
  const int64_t row = rowIndex(config, b, head);
  const int64_t listBase = row * total;
  const int64_t weightBase = row * sk;

  int64_t entry = 0;
  auto emit = [&](int64_t position) {
    storeInt(config.indexType, args.sparseList, listBase + entry++, position);
    storeFloat(config.weightType, args.weightList, weightBase + position, 1.0f);
  };
  clearWeights(config, args.weightList, weightBase, sk);
  for (int64_t p = 0; p < sinkCount; ++p) {
    emit(p);
  }
  for (int64_t j : heavy) {
    emit(j + config.initOffset);
  }
  for (int64_t p = sk - windowCount; p < sk; ++p) {
    emit(p);
  }
  args.sparseLen[row] = total;
}

void emitFullRow(const StepConfig &config, const StepArgs &args, int64_t b,
                 int64_t head) {
  const int64_t sk = args.seqLen;
  const int64_t row = rowIndex(config, b, head);
  for (int64_t p = 0; p < sk; ++p) {
    storeInt(config.indexType, args.sparseList, row * sk + p, p);
    storeFloat(config.weightType, args.weightList, row * sk + p, 1.0f);
  }
  args.sparseLen[row] = sk;
}

} // namespace detail
} // namespace pqrt
