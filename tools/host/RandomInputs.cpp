//===- RandomInputs.cpp - Seeded random step inputs -----------------------===//

#include "pqhost/RandomInputs.h"

#include <algorithm>
#include <random>

namespace pqrt {

namespace {

int64_t uniform(std::mt19937_64 &rng, int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, high)(rng);
}

/// Multiples of 0.5 in [-2, 2]: exact in bf16, and sums of their products
/// are exact in fp32.
float dyadic(std::mt19937_64 &rng) { return 0.5f * float(uniform(rng, -4, 4)); }

void fillTies(StepBuffers &buf, std::mt19937_64 &rng) {
  const StepConfig &c = buf.config;
  const int64_t width = c.centroidDim(), subDim = c.subDim();
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
      for (int64_t s = 0; s < c.subspaces; ++s) {
        int64_t distinct = uniform(rng, 1, 3);
        std::vector<float> protos(distinct * width);
        for (float &v : protos) {
          v = dyadic(rng);
        }
        // Centroid c copies prototype c % distinct: duplicates everywhere.
        for (int64_t code = 0; code < c.centroids(); ++code) {
          for (int64_t i = 0; i < width; ++i) {
            buf.setCentroid(b, kv, s, code, i,
                            protos[(code % distinct) * width + i]);
          }
        }
        for (int64_t p = 0; p < c.keyCapacity; ++p) {
          int64_t proto = uniform(rng, 0, distinct - 1);
          for (int64_t i = 0; i < subDim; ++i) {
            buf.setKey(b, kv, p, s * subDim + i, protos[proto * width + i]);
          }
        }
        buf.setPhi(b, kv, s, float(uniform(rng, 0, 8)));
      }
    }
  }
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.heads; ++h) {
      for (int64_t i = 0; i < c.headDim; ++i) {
        buf.setQuery(b, h, i, dyadic(rng));
      }
    }
  }
}

void fillNormal(StepBuffers &buf, std::mt19937_64 &rng) {
  const StepConfig &c = buf.config;
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.heads; ++h) {
      for (int64_t i = 0; i < c.headDim; ++i) {
        buf.setQuery(b, h, i, normal(rng));
      }
    }
    for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
      for (int64_t s = 0; s < c.subspaces; ++s) {
        for (int64_t code = 0; code < c.centroids(); ++code) {
          for (int64_t i = 0; i < c.centroidDim(); ++i) {
            buf.setCentroid(b, kv, s, code, i, normal(rng));
          }
        }
      }
      for (int64_t p = 0; p < c.keyCapacity; ++p) {
        for (int64_t i = 0; i < c.headDim; ++i) {
          buf.setKey(b, kv, p, i, normal(rng));
        }
      }
      // phi near the largest ||x_s||^2 (as ip2l2 uses), sometimes below it,
      // so both sides of the max(., 0) clamp are exercised.
      for (int64_t s = 0; s < c.subspaces; ++s) {
        float largest = 0.0f;
        for (int64_t p = 0; p < c.keyCapacity; ++p) {
          float norm = 0.0f;
          for (int64_t i = 0; i < c.subDim(); ++i) {
            float x = buf.keyValue(b, kv, p, s * c.subDim() + i);
            norm += x * x;
          }
          largest = std::max(largest, norm);
        }
        float scale = std::uniform_real_distribution<float>(0.5f, 1.2f)(rng);
        buf.setPhi(b, kv, s, largest * scale);
      }
    }
  }
}

} // namespace

void fillRandom(StepBuffers &buf, uint64_t seed, DataMode mode) {
  std::mt19937_64 rng(seed);
  if (mode == DataMode::Ties) {
    fillTies(buf, rng);
  } else {
    fillNormal(buf, rng);
  }
  const StepConfig &c = buf.config;
  const int64_t filled = std::min(buf.numCached, c.codeCapacity);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t j = 0; j < filled; ++j) {
      for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
        for (int64_t s = 0; s < c.subspaces; ++s) {
          buf.setCode(b, j, kv, s, uniform(rng, 0, c.centroids() - 1));
        }
      }
    }
  }
}

void fillClusteredKeys(StepBuffers &buf, uint64_t seed, int64_t centers) {
  const StepConfig &c = buf.config;
  if (!buf.hasKey() || centers < 1) {
    return;
  }
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> spread(0.0f, 2.0f);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  const int64_t ds = c.subDim();
  std::vector<float> middle(size_t(centers * ds));
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
      for (int64_t s = 0; s < c.subspaces; ++s) {
        for (float &value : middle) {
          value = spread(rng);
        }
        for (int64_t pos = 0; pos < c.keyCapacity; ++pos) {
          const int64_t pick = pos >= c.initOffset
                                   ? (pos - c.initOffset) % centers
                                   : pos % centers;
          for (int64_t i = 0; i < ds; ++i) {
            buf.setKey(b, kv, pos, s * ds + i,
                       middle[size_t(pick * ds + i)] + noise(rng));
          }
        }
      }
    }
  }
}

StepBuffers makeRandomStep(const StepConfig &config, int64_t seqLen,
                           int64_t numCached, uint64_t seed, DataMode mode) {
  StepBuffers buffers(config, seqLen, numCached);
  fillRandom(buffers, seed, mode);
  return buffers;
}

} // namespace pqrt
