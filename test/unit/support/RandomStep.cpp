//===- RandomStep.cpp - Random configurations for tests -------------------===//
//
// The inputs themselves come from pqrt_tools (pqrt/RandomInputs.h).
//
//===----------------------------------------------------------------------===//

#include "RandomStep.h"

#include <algorithm>

namespace pqrt {
namespace test {

namespace {

int64_t uniform(std::mt19937_64 &rng, int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, high)(rng);
}

} // namespace

StepConfig randomConfig(std::mt19937_64 &rng) {
  static const ElementType floats[] = {ElementType::F32, ElementType::F16,
                                       ElementType::BF16};
  StepConfig c;
  c.batch = uniform(rng, 1, 2);
  c.kvHeads = uniform(rng, 1, 3);
  c.heads = c.kvHeads * uniform(rng, 1, 3);
  c.subspaces = int64_t(1) << uniform(rng, 0, 2);
  c.headDim = c.subspaces * uniform(rng, 1, 6);
  c.bits = uniform(rng, 1, 4);
  c.sink = uniform(rng, 0, 6);
  c.window = uniform(rng, 0, 6);
  c.heavy = uniform(rng, 0, 12);
  // Half the time the usual init_offset = sink; else anything, so that
  // init_offset < sink (duplicates) and > sink both occur.
  c.initOffset = uniform(rng, 0, 1) ? c.sink : uniform(rng, 0, 8);
  c.metric = uniform(rng, 0, 1) ? Metric::InnerProduct : Metric::Euclidean;
  c.layout = uniform(rng, 0, 1) ? CodeLayout::Compact : CodeLayout::Seed;
  c.queryType = floats[uniform(rng, 0, 2)];
  c.centroidType = uniform(rng, 0, 1) ? ElementType::BF16 : ElementType::F32;
  c.weightType = floats[uniform(rng, 0, 2)];
  c.indexType = uniform(rng, 0, 1) ? ElementType::I32 : ElementType::I64;
  c.codeCapacity = 0; // StepBuffers sizes it from sk
  c.keyCapacity = 0;
  return c;
}

int64_t randomSeqLen(const StepConfig &config, std::mt19937_64 &rng,
                     int64_t spread) {
  int64_t threshold = config.heavy + config.initOffset + 1 + config.centroids();
  if (uniform(rng, 0, 9) == 0) {
    return uniform(rng, 1, threshold);
  }
  return threshold + uniform(rng, 1, spread);
}

int64_t randomNumCached(const StepConfig &config, int64_t seqLen,
                        std::mt19937_64 &rng) {
  int64_t n = std::max<int64_t>(seqLen - config.initOffset, 0);
  if (uniform(rng, 0, 4) == 0) {
    return 0;
  }
  return std::max<int64_t>(n - uniform(rng, 0, 3), 0);
}

} // namespace test
} // namespace pqrt
