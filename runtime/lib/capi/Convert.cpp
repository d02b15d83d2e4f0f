//===- Convert.cpp - C structs to and from the C++ step types -------------===//
//
// C callers can put any integer into an enum field, so every enum is checked
// before it becomes a C++ enum class.
//
//===----------------------------------------------------------------------===//

#include "CApi.h"

#include <string>

namespace pqrt {
namespace capi {

namespace {

Status checkEnum(const char *field, int value, int count) {
  if (value >= 0 && value < count) {
    return Status::success();
  }
  return Status::invalid(std::string("config.") + field + ": " +
                         std::to_string(value) +
                         " is not a value of its pqrt_* enum");
}

} // namespace

Status fromCConfig(const pqrt_config *config, StepConfig &out) {
  if (!config) {
    return nullArgument("config");
  }
  const struct {
    const char *field;
    int value;
    int count;
  } enums[] = {
      {"metric", int(config->metric), 2},
      {"layout", int(config->layout), 2},
      {"query_type", int(config->query_type), 6},
      {"centroid_type", int(config->centroid_type), 6},
      {"weight_type", int(config->weight_type), 6},
      {"index_type", int(config->index_type), 6},
  };
  for (const auto &e : enums) {
    Status status = checkEnum(e.field, e.value, e.count);
    if (!status.ok()) {
      return status;
    }
  }
  out = StepConfig();
  out.batch = 1;
  out.heads = config->heads;
  out.kvHeads = config->kv_heads;
  out.headDim = config->head_dim;
  out.subspaces = config->subspaces;
  out.bits = config->bits;
  out.sink = config->sink;
  out.window = config->window;
  out.heavy = config->heavy;
  out.initOffset = config->init_offset;
  out.metric = static_cast<Metric>(config->metric);
  out.layout = static_cast<CodeLayout>(config->layout);
  out.queryType = static_cast<ElementType>(config->query_type);
  out.centroidType = static_cast<ElementType>(config->centroid_type);
  out.weightType = static_cast<ElementType>(config->weight_type);
  out.indexType = static_cast<ElementType>(config->index_type);
  out.keyCapacity = 0;
  out.codeCapacity = 0;
  return Status::success();
}

pqrt_config toCConfig(const StepConfig &c) {
  pqrt_config out;
  out.heads = c.heads;
  out.kv_heads = c.kvHeads;
  out.head_dim = c.headDim;
  out.subspaces = c.subspaces;
  out.bits = c.bits;
  out.sink = c.sink;
  out.window = c.window;
  out.heavy = c.heavy;
  out.init_offset = c.initOffset;
  out.metric = static_cast<pqrt_metric>(c.metric);
  out.layout = static_cast<pqrt_layout>(c.layout);
  out.query_type = static_cast<pqrt_dtype>(c.queryType);
  out.centroid_type = static_cast<pqrt_dtype>(c.centroidType);
  out.weight_type = static_cast<pqrt_dtype>(c.weightType);
  out.index_type = static_cast<pqrt_dtype>(c.indexType);
  return out;
}

Status stepConfig(const pqrt_config *config, const pqrt_step *step,
                  StepConfig &out) {
  Status status = fromCConfig(config, out);
  if (status.ok() && !step) {
    status = nullArgument("step");
  }
  if (status.ok()) {
    out.batch = step->batch;
    out.keyCapacity = step->key_capacity;
    out.codeCapacity = step->code_capacity;
  }
  return status;
}

StepArgs stepArgs(const pqrt_step &step) {
  StepArgs args;
  args.seqLen = step.seq_len;
  args.queryLen = 1;
  args.query = step.query;
  args.key = step.key;
  args.centroids = step.centroids;
  args.phi = step.phi;
  args.codebook = step.codebook;
  args.numCached = step.num_cached;
  args.sparseList = step.sparse_list;
  args.sparseLen = step.sparse_len;
  args.weightList = step.weight_list;
  return args;
}

indexer::RunArgs runArgs(const pqrt_step &step) {
  indexer::RunArgs args;
  args.batch = step.batch;
  args.keyCapacity = step.key_capacity;
  args.codeCapacity = step.code_capacity;
  args.step = stepArgs(step);
  return args;
}

} // namespace capi
} // namespace pqrt
