//===- Step.cpp - The whole reference step --------------------------------===//
//
// validate -> full-attention rows, or quantize -> score -> select -> emit.
// Validation covers every read and write, so nothing below can fail and
// nothing is written when an error is returned.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace pqrt {

bool isFullAttention(const StepConfig &config, int64_t seqLen) {
  // Out-of-range bits (rejected by validateConfig) must not shift into UB.
  const int64_t count = config.bits >= 0 && config.bits <= 32
                            ? config.centroids()
                            : std::numeric_limits<int32_t>::max();
  // A bound past int64 is above every sk: the full path, never a wrapped sum.
  int64_t bound = 0;
  if (__builtin_add_overflow(config.heavy, config.initOffset, &bound)) {
    return config.heavy > 0; // a sum overflows only when both signs agree
  }
  if (__builtin_add_overflow(bound, 1 + count, &bound)) {
    return true;
  }
  return seqLen <= bound;
}

int64_t outputTotal(const StepConfig &config, int64_t seqLen) {
  if (isFullAttention(config, seqLen)) {
    return seqLen;
  }
  const int64_t n = detail::indexedKeys(config, seqLen);
  int64_t total = 0;
  if (__builtin_add_overflow(std::min(config.sink, seqLen),
                             std::min(config.heavy, n), &total) ||
      __builtin_add_overflow(total, std::min(config.window, seqLen), &total)) {
    return std::numeric_limits<int64_t>::max();
  }
  return total;
}

Status referenceStep(const StepConfig &config, const StepArgs &args) {
  Status status = validateStep(config, args);
  if (!status.ok()) {
    return status;
  }
  if (isFullAttention(config, args.seqLen)) {
    for (int64_t b = 0; b < config.batch; ++b) {
      for (int64_t head = 0; head < config.heads; ++head) {
        detail::emitFullRow(config, args, b, head);
      }
    }
    return Status::success();
  }

  const int64_t n = args.seqLen - config.initOffset;
  if (*args.numCached < n) {
    detail::quantizeKeys(config, args, *args.numCached, n);
  }
  *args.numCached = n;

  const int64_t ws =
      std::max<int64_t>(0, args.seqLen - config.window - config.initOffset);
  const int64_t k = std::min(config.heavy, n);
  std::vector<float> table;
  std::vector<float> scores(n);
  std::vector<int64_t> heavy;
  for (int64_t b = 0; b < config.batch; ++b) {
    for (int64_t head = 0; head < config.heads; ++head) {
      detail::buildScoreTable(config, args, b, head, table);
      detail::scoreRow(config, args, b, head, n, table, scores.data());
      detail::selectHeavy(scores.data(), n, ws, k, heavy);
      detail::emitRow(config, args, b, head, heavy);
    }
  }
  return Status::success();
}

} // namespace pqrt
