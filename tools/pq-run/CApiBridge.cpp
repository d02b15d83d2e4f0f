//===- CApiBridge.cpp - pqrt's C API and the C++ step types ---------------===//

#include "CApiBridge.h"

namespace pqrun {

using pqrt::Status;
using pqrt::StatusCode;

Status fromC(pqrt_status status, const std::string &what) {
  if (status == PQRT_OK) {
    return Status::success();
  }
  StatusCode code = StatusCode::InvalidArgument;
  switch (status) {
  case PQRT_NO_DRIVER:
    code = StatusCode::NoDriver;
    break;
  case PQRT_NO_DEVICE:
    code = StatusCode::NoDevice;
    break;
  case PQRT_DRIVER_ERROR:
    code = StatusCode::DriverError;
    break;
  case PQRT_BAD_MODULE:
    code = StatusCode::BadModule;
    break;
  case PQRT_UNSUPPORTED:
    code = StatusCode::Unsupported;
    break;
  case PQRT_MISMATCH:
    code = StatusCode::Mismatch;
    break;
  default:
    break;
  }
  std::string message = pqrt_last_error();
  return {code, what.empty() ? message : what + ": " + message};
}

// The C enums list the same values in the same order as Config.h's.
pqrt_config toCConfig(const pqrt::StepConfig &c) {
  pqrt_config out{};
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

pqrt::StepConfig fromCConfig(const pqrt_config &c) {
  pqrt::StepConfig s;
  s.batch = 1;
  s.heads = c.heads;
  s.kvHeads = c.kv_heads;
  s.headDim = c.head_dim;
  s.subspaces = c.subspaces;
  s.bits = c.bits;
  s.sink = c.sink;
  s.window = c.window;
  s.heavy = c.heavy;
  s.initOffset = c.init_offset;
  s.metric = static_cast<pqrt::Metric>(c.metric);
  s.layout = static_cast<pqrt::CodeLayout>(c.layout);
  s.queryType = static_cast<pqrt::ElementType>(c.query_type);
  s.centroidType = static_cast<pqrt::ElementType>(c.centroid_type);
  s.weightType = static_cast<pqrt::ElementType>(c.weight_type);
  s.indexType = static_cast<pqrt::ElementType>(c.index_type);
  s.keyCapacity = s.codeCapacity = 0;
  return s;
}

pqrt_step hostStep(pqrt::StepBuffers &b) {
  pqrt_step s{};
  s.batch = b.config.batch;
  s.seq_len = b.seqLen;
  s.key_capacity = b.config.keyCapacity;
  s.code_capacity = b.config.codeCapacity;
  s.query = b.query.data();
  s.key = b.key.data();
  s.centroids = b.centroids.data();
  s.phi = b.config.metric == pqrt::Metric::InnerProduct ? b.phi.data()
                                                         : nullptr;
  s.codebook = b.codebook.data();
  s.num_cached = &b.numCached;
  s.sparse_list = b.sparseList.data();
  s.sparse_len = b.sparseLen.data();
  s.weight_list = b.weightList.data();
  return s;
}

Status compareWithReference(const pqrt::StepConfig &config, int64_t seqLen,
                            const pqrt::StepOutputs &reference,
                            const float *scores,
                            const pqrt::StepOutputs &actual) {
  const pqrt_config c = toCConfig(config);
  const pqrt_outputs r{reference.sparseList, reference.sparseLen,
                       reference.weightList};
  const pqrt_outputs a{actual.sparseList, actual.sparseLen,
                       actual.weightList};
  return fromC(pqrt_reference_compare(&c, config.batch, seqLen, &r, scores,
                                      &a, -1.0),
               "");
}

} // namespace pqrun
