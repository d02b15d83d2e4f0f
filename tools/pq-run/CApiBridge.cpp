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

pqrt_step hostStep(pqrt::StepBuffers &b) {
  pqrt_step s;
  pqrt_step_init(&s);
  s.batch = b.config.batch;
  s.seq_len = b.seqLen;
  s.key_capacity = b.config.keyCapacity;
  s.code_capacity = b.config.codeCapacity;
  s.query = b.query.data();
  s.key = b.hasKey() ? b.key.data() : nullptr;
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
  const pqrt_config c = pqrt::capi::toCConfig(config);
  auto view = [](const pqrt::StepOutputs &outputs) {
    pqrt_outputs out;
    pqrt_outputs_init(&out);
    out.sparse_list = outputs.sparseList;
    out.sparse_len = outputs.sparseLen;
    out.weight_list = outputs.weightList;
    return out;
  };
  const pqrt_outputs r = view(reference);
  const pqrt_outputs a = view(actual);
  return fromC(pqrt_reference_compare(&c, config.batch, seqLen, &r, scores,
                                      &a, -1.0),
               "");
}

} // namespace pqrun
