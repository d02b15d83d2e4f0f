//===- StepBuffers.cpp - Host buffers of one step -------------------------===//

#include "pqhost/StepBuffers.h"

#include "pqrt/Layout.h"

#include <algorithm>
#include <limits>

namespace pqrt {

namespace {

/// a * b for non-negative a, b; -1 when either is negative or on overflow.
int64_t mulSize(int64_t a, int64_t b) {
  if (a < 0 || b < 0 ||
      (a != 0 && b > std::numeric_limits<int64_t>::max() / a)) {
    return -1;
  }
  return a * b;
}

int64_t product(std::initializer_list<int64_t> factors) {
  int64_t result = 1;
  for (int64_t f : factors) {
    result = mulSize(result, f);
  }
  return result;
}

/// Never empty, so data() is never null even for zero-sized buffers.
std::vector<uint8_t> bytes(int64_t count, ElementType type, uint8_t fill) {
  return std::vector<uint8_t>(std::max<int64_t>(count * elementSize(type), 8),
                              fill);
}

} // namespace

KeyCache keyCacheNeeded(const StepConfig &config, int64_t seqLen,
                        int64_t numCached) {
  const int64_t n = std::max<int64_t>(seqLen - config.initOffset, 0);
  return numCached < n && !isFullAttention(config, seqLen) ? KeyCache::Allocated
                                                           : KeyCache::Absent;
}

int64_t stepBufferBytes(const StepConfig &config, int64_t seqLen,
                        KeyCache keys) {
  const StepConfig &c = config;
  if (seqLen < 0 || c.bits < 0 || c.bits > 30 || c.subspaces <= 0) {
    return -1;
  }
  const int64_t keyCap = keys == KeyCache::Absent ? 0
                         : c.keyCapacity          ? c.keyCapacity
                                                  : seqLen;
  const int64_t codeCap =
      c.codeCapacity ? c.codeCapacity
                     : std::max<int64_t>(seqLen - c.initOffset, 0);
  const int64_t total = outputTotal(c, seqLen);
  const int64_t width =
      c.headDim / c.subspaces + (c.metric == Metric::InnerProduct ? 1 : 0);
  const int64_t parts[] = {
      product({c.batch, c.heads, c.headDim, elementSize(c.queryType)}),
      product({c.batch, c.kvHeads, keyCap, c.headDim, elementSize(c.queryType)}),
      product({c.batch, c.kvHeads, c.subspaces, int64_t(1) << c.bits, width,
               elementSize(c.centroidType)}),
      product({c.batch, c.kvHeads, c.subspaces, 4}),
      product({c.batch, codeCap, c.kvHeads, c.subspaces,
               elementSize(codeType(c))}),
      product({c.batch, c.heads, total, elementSize(c.indexType)}),
      product({c.batch, c.heads, seqLen, elementSize(c.weightType)}),
      product({c.batch, c.heads, 8}),
  };
  int64_t sum = 0;
  for (int64_t part : parts) {
    if (part < 0 || part > std::numeric_limits<int64_t>::max() - sum - 64) {
      return -1;
    }
    sum += part + 8; // bytes() allocates at least 8 per buffer
  }
  return sum;
}

StepBuffers::StepBuffers(const StepConfig &base, int64_t seqLen,
                         int64_t numCached, KeyCache keys)
    : config(base), seqLen(seqLen), numCached(numCached) {
  if (keys == KeyCache::Absent) {
    config.keyCapacity = 0;
  } else if (config.keyCapacity == 0) {
    config.keyCapacity = seqLen;
  }
  if (config.codeCapacity == 0) {
    config.codeCapacity = indexedKeys();
  }
  total = outputTotal(config, seqLen);
  query = bytes(queryElements(config), config.queryType, 0);
  if (keys == KeyCache::Allocated) {
    key = bytes(keyElements(config), config.queryType, 0);
  }
  centroids = bytes(centroidElements(config), config.centroidType, 0);
  phi.assign(std::max<int64_t>(phiElements(config), 1), 0.0f);
  codebook = bytes(codebookElements(config), codeType(config), kSentinel);
  for (int64_t b = 0; b < config.batch; ++b) {
    for (int64_t j = 0; j < std::min(numCached, config.codeCapacity); ++j) {
      for (int64_t kv = 0; kv < config.kvHeads; ++kv) {
        for (int64_t s = 0; s < config.subspaces; ++s) {
          setCode(b, j, kv, s, 0);
        }
      }
    }
  }
  resetOutputs();
}

void StepBuffers::resetOutputs() {
  sparseList =
      bytes(sparseListElements(config, total), config.indexType, kSentinel);
  weightList =
      bytes(weightElements(config, seqLen), config.weightType, kSentinel);
  int64_t sentinel;
  std::fill_n(reinterpret_cast<uint8_t *>(&sentinel), sizeof(sentinel),
              kSentinel);
  sparseLen.assign(std::max<int64_t>(sparseLenElements(config), 1), sentinel);
}

StepArgs StepBuffers::args() {
  StepArgs a;
  a.seqLen = seqLen;
  a.query = query.data();
  a.key = hasKey() ? key.data() : nullptr;
  a.centroids = centroids.data();
  a.phi = config.metric == Metric::InnerProduct ? phi.data() : nullptr;
  a.codebook = codebook.data();
  a.numCached = &numCached;
  a.sparseList = sparseList.data();
  a.sparseLen = sparseLen.data();
  a.weightList = weightList.data();
  return a;
}

StepOutputs StepBuffers::outputs() const {
  return {sparseList.data(), sparseLen.data(), weightList.data()};
}

int64_t StepBuffers::indexedKeys() const {
  return std::max<int64_t>(seqLen - config.initOffset, 0);
}

void StepBuffers::setQuery(int64_t b, int64_t head, int64_t dim, float value) {
  storeFloat(config.queryType, query.data(), queryOffset(config, b, head, dim),
             value);
}

void StepBuffers::setKey(int64_t b, int64_t kv, int64_t pos, int64_t dim,
                         float value) {
  storeFloat(config.queryType, key.data(), keyOffset(config, b, kv, pos, dim),
             value);
}

float StepBuffers::keyValue(int64_t b, int64_t kv, int64_t pos,
                            int64_t dim) const {
  return loadFloat(config.queryType, key.data(),
                   keyOffset(config, b, kv, pos, dim));
}

void StepBuffers::setCentroid(int64_t b, int64_t kv, int64_t s, int64_t c,
                              int64_t dim, float value) {
  storeFloat(config.centroidType, centroids.data(),
             centroidOffset(config, b, kv, s, c, dim), value);
}

void StepBuffers::setPhi(int64_t b, int64_t kv, int64_t s, float value) {
  phi[phiOffset(config, b, kv, s)] = value;
}

void StepBuffers::setCode(int64_t b, int64_t j, int64_t kv, int64_t s,
                          int64_t value) {
  storeInt(codeType(config), codebook.data(), codeOffset(config, b, j, kv, s),
           value);
}

int64_t StepBuffers::code(int64_t b, int64_t j, int64_t kv, int64_t s) const {
  return loadInt(codeType(config), codebook.data(),
                 codeOffset(config, b, j, kv, s));
}

std::vector<int64_t> StepBuffers::listRow(int64_t b, int64_t head) const {
  std::vector<int64_t> row(total);
  for (int64_t e = 0; e < total; ++e) {
    row[e] = loadInt(config.indexType, sparseList.data(),
                     (b * config.heads + head) * total + e);
  }
  return row;
}

std::vector<float> StepBuffers::weightRow(int64_t b, int64_t head) const {
  std::vector<float> row(seqLen);
  for (int64_t p = 0; p < seqLen; ++p) {
    row[p] = loadFloat(config.weightType, weightList.data(),
                       (b * config.heads + head) * seqLen + p);
  }
  return row;
}

int64_t StepBuffers::lenAt(int64_t b, int64_t head) const {
  return sparseLen[b * config.heads + head];
}

} // namespace pqrt
