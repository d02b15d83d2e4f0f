//===- BenchInputs.cpp - Random inputs of one timed call ------------------===//

#include "BenchInputs.h"

#include "pqrt/Layout.h"
#include "pqhost/RandomInputs.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace pqbench {

using pqrt::StepBuffers;
using pqrt::StepConfig;

StepBuffers makeBenchInputs(const StepConfig &config, int64_t seqLen,
                            int64_t maxNewKeys, uint64_t seed) {
  StepConfig oneRow = config;
  oneRow.keyCapacity = 1;
  const int64_t n = std::max<int64_t>(seqLen - config.initOffset, 0);
  StepBuffers drawn(oneRow, seqLen, n - maxNewKeys);
  pqrt::fillRandom(drawn, seed, pqrt::DataMode::Random);
  if (maxNewKeys == 0) {
    return drawn;
  }
  StepConfig full = config;
  full.keyCapacity = seqLen;
  StepBuffers buffers(full, seqLen, drawn.numCached);
  buffers.query = drawn.query;
  buffers.centroids = drawn.centroids;
  buffers.phi = drawn.phi; // metric ip: any phi is valid (it is clamped)
  buffers.codebook = drawn.codebook;
  // Its own stream, so the drawn inputs above do not depend on maxNewKeys.
  std::mt19937_64 rng(seed ^ 0x6b6579735f6e6577ull);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t b = 0; b < full.batch; ++b) {
    for (int64_t kv = 0; kv < full.kvHeads; ++kv) {
      for (int64_t pos = seqLen - maxNewKeys; pos < seqLen; ++pos) {
        for (int64_t i = 0; i < full.headDim; ++i) {
          buffers.setKey(b, kv, pos, i, normal(rng));
        }
      }
    }
  }
  return buffers;
}

void clearCodes(StepBuffers &buffers, int64_t from) {
  const StepConfig &c = buffers.config;
  const int64_t size = pqrt::elementSize(pqrt::codeType(c));
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t j = from; j < buffers.indexedKeys(); ++j) {
      for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
        for (int64_t s = 0; s < c.subspaces; ++s) {
          std::memset(buffers.codebook.data() +
                          pqrt::codeOffset(c, b, j, kv, s) * size,
                      pqrt::kSentinel, size_t(size));
        }
      }
    }
  }
}

} // namespace pqbench
