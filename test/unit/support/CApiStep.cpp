//===- CApiStep.cpp - StepBuffers as C API structs ------------------------===//

#include "CApiStep.h"

namespace pqrt {
namespace test {

namespace {

pqrt_dtype dtype(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return PQRT_F32;
  case ElementType::F16:
    return PQRT_F16;
  case ElementType::BF16:
    return PQRT_BF16;
  case ElementType::I32:
    return PQRT_I32;
  case ElementType::I64:
    return PQRT_I64;
  case ElementType::U8:
    return PQRT_U8;
  }
  return PQRT_F32;
}

} // namespace

pqrt_config cConfig(const StepConfig &c) {
  pqrt_config out;
  pqrt_config_init(&out);
  out.heads = c.heads;
  out.kv_heads = c.kvHeads;
  out.head_dim = c.headDim;
  out.subspaces = c.subspaces;
  out.bits = c.bits;
  out.sink = c.sink;
  out.window = c.window;
  out.heavy = c.heavy;
  out.init_offset = c.initOffset;
  out.metric =
      c.metric == Metric::Euclidean ? PQRT_METRIC_EUCLIDEAN : PQRT_METRIC_IP;
  out.layout =
      c.layout == CodeLayout::Seed ? PQRT_LAYOUT_SEED : PQRT_LAYOUT_COMPACT;
  out.query_type = dtype(c.queryType);
  out.centroid_type = dtype(c.centroidType);
  out.weight_type = dtype(c.weightType);
  out.index_type = dtype(c.indexType);
  return out;
}

pqrt_step cStep(StepBuffers &buffers) {
  StepArgs args = buffers.args();
  pqrt_step step;
  pqrt_step_init(&step);
  step.batch = buffers.config.batch;
  step.seq_len = args.seqLen;
  step.key_capacity = buffers.config.keyCapacity;
  step.code_capacity = buffers.config.codeCapacity;
  step.query = args.query;
  step.key = args.key;
  step.centroids = args.centroids;
  step.phi = args.phi;
  step.codebook = args.codebook;
  step.num_cached = args.numCached;
  step.sparse_list = args.sparseList;
  step.sparse_len = args.sparseLen;
  step.weight_list = args.weightList;
  return step;
}

pqrt_outputs cOutputs(const StepBuffers &buffers) {
  StepOutputs outputs = buffers.outputs();
  pqrt_outputs out;
  pqrt_outputs_init(&out);
  out.sparse_list = outputs.sparseList;
  out.sparse_len = outputs.sparseLen;
  out.weight_list = outputs.weightList;
  return out;
}

pqrt_step validationOnlyStep(int64_t *numCached) {
  pqrt_step step;
  pqrt_step_init(&step);
  step.batch = 1;
  step.seq_len = 200;
  step.key_capacity = 200;
  step.code_capacity = 196;
  step.query = step.centroids = step.codebook = step.sparse_list =
      step.weight_list = reinterpret_cast<void *>(0xdead0000);
  step.sparse_len = reinterpret_cast<int64_t *>(0xdead0000);
  step.num_cached = numCached;
  return step;
}

} // namespace test
} // namespace pqrt
