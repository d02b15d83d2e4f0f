//===- Convert.cpp - C structs to and from the C++ step types -------------===//
//
// C callers can put any integer into an enum field, and loading an int that
// is not one of an enum's values through the enum type is undefined in C++,
// so every enum field is read as the int it is stored as, checked, and only
// then becomes a C++ enum class.
//
//===----------------------------------------------------------------------===//

#include "CApi.h"

#include <cstring>
#include <string>

namespace pqrt {
namespace capi {

namespace {

struct EnumField {
  const char *field;
  const char *type;
  const void *storage; // the pqrt_* enum field in the caller's struct
  int count;           // its values are 0 .. count - 1
};

/// Reads an enum field's bytes as an int and checks its range.
Status readEnum(const EnumField &e, int &out) {
  static_assert(sizeof(pqrt_metric) == sizeof(int) &&
                    sizeof(pqrt_layout) == sizeof(int) &&
                    sizeof(pqrt_dtype) == sizeof(int),
                "the pqrt_* enums are stored as int");
  std::memcpy(&out, e.storage, sizeof(int));
  if (out >= 0 && out < e.count) {
    return Status::success();
  }
  return Status::invalid(std::string("config.") + e.field + ": " +
                         std::to_string(out) + " is not a " + e.type +
                         " value (0 to " + std::to_string(e.count - 1) + ")");
}

} // namespace

Status fromCConfig(const pqrt_config *config, StepConfig &out) {
  pqrt_config c;
  Status status = readStruct("config", config, c);
  if (!status.ok()) {
    return status;
  }
  const EnumField enums[] = {
      {"metric", "pqrt_metric", &c.metric, 2},
      {"layout", "pqrt_layout", &c.layout, 2},
      {"query_type", "pqrt_dtype", &c.query_type, 6},
      {"centroid_type", "pqrt_dtype", &c.centroid_type, 6},
      {"weight_type", "pqrt_dtype", &c.weight_type, 6},
      {"index_type", "pqrt_dtype", &c.index_type, 6},
  };
  int values[6] = {};
  for (int i = 0; i < 6; ++i) {
    status = readEnum(enums[i], values[i]);
    if (!status.ok()) {
      return status;
    }
  }
  out = StepConfig();
  out.batch = 1;
  out.heads = c.heads;
  out.kvHeads = c.kv_heads;
  out.headDim = c.head_dim;
  out.subspaces = c.subspaces;
  out.bits = c.bits;
  out.sink = c.sink;
  out.window = c.window;
  out.heavy = c.heavy;
  out.initOffset = c.init_offset;
  out.metric = static_cast<Metric>(values[0]);
  out.layout = static_cast<CodeLayout>(values[1]);
  out.queryType = static_cast<ElementType>(values[2]);
  out.centroidType = static_cast<ElementType>(values[3]);
  out.weightType = static_cast<ElementType>(values[4]);
  out.indexType = static_cast<ElementType>(values[5]);
  out.keyCapacity = 0;
  out.codeCapacity = 0;
  return Status::success();
}

pqrt_config toCConfig(const StepConfig &c) {
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
  out.metric = static_cast<pqrt_metric>(c.metric);
  out.layout = static_cast<pqrt_layout>(c.layout);
  out.query_type = static_cast<pqrt_dtype>(c.queryType);
  out.centroid_type = static_cast<pqrt_dtype>(c.centroidType);
  out.weight_type = static_cast<pqrt_dtype>(c.weightType);
  out.index_type = static_cast<pqrt_dtype>(c.indexType);
  return out;
}

Status readStep(const pqrt_config *config, const pqrt_step *step,
                StepConfig &outConfig, pqrt_step &outStep) {
  Status status = fromCConfig(config, outConfig);
  if (status.ok()) {
    status = readStruct("step", step, outStep);
  }
  if (status.ok()) {
    outConfig.batch = outStep.batch;
    outConfig.keyCapacity = outStep.key_capacity;
    outConfig.codeCapacity = outStep.code_capacity;
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

BuildArgs buildArgs(const pqrt_build &build) {
  BuildArgs args;
  args.seqLen = build.seq_len;
  args.kmeansIter = build.kmeans_iter;
  args.key = build.key;
  args.initial = build.initial_indices;
  args.seed = build.seed;
  args.centroids = build.centroids;
  args.phi = build.phi;
  args.codebook = build.codebook;
  args.numCached = build.num_cached;
  args.iterations = build.iterations;
  return args;
}

indexer::BuildRunArgs buildRunArgs(const pqrt_build &build) {
  indexer::BuildRunArgs args;
  args.batch = build.batch;
  args.keyCapacity = build.key_capacity;
  args.codeCapacity = build.code_capacity;
  args.build = buildArgs(build);
  return args;
}

} // namespace capi
} // namespace pqrt
