//===- ScalarStep.cpp - Hand-computable steps for tests -------------------===//

#include "ScalarStep.h"

#include <algorithm>

namespace pqrt {
namespace test {

StepConfig scalarConfig(int64_t bits, int64_t sink, int64_t window,
                        int64_t heavy, int64_t initOffset) {
  StepConfig c;
  c.batch = 1;
  c.heads = 1;
  c.kvHeads = 1;
  c.headDim = 1;
  c.subspaces = 1;
  c.bits = bits;
  c.sink = sink;
  c.window = window;
  c.heavy = heavy;
  c.initOffset = initOffset;
  c.metric = Metric::Euclidean;
  c.layout = CodeLayout::Compact;
  c.queryType = ElementType::F32;
  c.centroidType = ElementType::F32;
  c.weightType = ElementType::F32;
  c.indexType = ElementType::I64;
  return c;
}

StepBuffers scalarStep(const StepConfig &config, int64_t seqLen,
                       const std::vector<float> &values,
                       const std::vector<int64_t> &codes) {
  StepConfig c = config;
  int64_t n = std::max<int64_t>(seqLen - c.initOffset, 0);
  StepBuffers buf(c, seqLen, n);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t head = 0; head < c.heads; ++head) {
      buf.setQuery(b, head, 0, 1.0f);
    }
    for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
      for (int64_t code = 0; code < c.centroids(); ++code) {
        float value = code < int64_t(values.size()) ? values[code] : 0.0f;
        buf.setCentroid(b, kv, 0, code, 0, value);
      }
      for (int64_t j = 0; j < n && j < int64_t(codes.size()); ++j) {
        buf.setCode(b, j, kv, 0, codes[j]);
      }
    }
  }
  return buf;
}

std::vector<int64_t> heavyPart(const StepBuffers &buffers, int64_t b,
                               int64_t head) {
  const StepConfig &c = buffers.config;
  std::vector<int64_t> row = buffers.listRow(b, head);
  int64_t begin = std::min(c.sink, buffers.seqLen);
  int64_t end = int64_t(row.size()) - std::min(c.window, buffers.seqLen);
  return std::vector<int64_t>(row.begin() + begin, row.begin() + end);
}

} // namespace test
} // namespace pqrt
