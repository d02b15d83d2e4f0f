//===- DeviceStep.cpp - A step's buffers in device memory -----------------===//

#include "pqhost/DeviceStep.h"

namespace pqhost {

using pqrt::Status;
using pqrt::StepBuffers;

Status DeviceStep::allocate(const StepBuffers &host) {
  struct {
    Buffer *device;
    size_t bytes;
    const char *name;
  } buffers[] = {
      {&query, host.query.size(), "query"},
      {&key, host.key.size(), "key"},
      {&centroids, host.centroids.size(), "centroids"},
      {&phi, host.phi.size() * sizeof(float), "phi"},
      {&codebook, host.codebook.size(), "codebook"},
      {&sparseList, host.sparseList.size(), "sparse_list"},
      {&sparseLen, host.sparseLen.size() * sizeof(int64_t), "sparse_len"},
      {&weightList, host.weightList.size(), "weight_list"},
  };
  for (const auto &b : buffers) {
    Status status = b.device->allocate(b.bytes, b.name);
    if (!status.ok()) {
      return status;
    }
  }
  return Status::success();
}

Status DeviceStep::upload(const StepBuffers &host,
                          const Stream &stream) {
  Status status = query.upload(host.query.data(), stream);
  if (status.ok()) {
    status = key.upload(host.key.data(), stream);
  }
  if (status.ok()) {
    status = centroids.upload(host.centroids.data(), stream);
  }
  if (status.ok()) {
    status = phi.upload(host.phi.data(), stream);
  }
  if (status.ok()) {
    status = codebook.upload(host.codebook.data(), stream);
  }
  // The outputs too: sentinel bytes the check catches if a kernel skips one.
  if (status.ok()) {
    status = sparseList.upload(host.sparseList.data(), stream);
  }
  if (status.ok()) {
    status = sparseLen.upload(host.sparseLen.data(), stream);
  }
  if (status.ok()) {
    status = weightList.upload(host.weightList.data(), stream);
  }
  return status;
}

Status DeviceStep::download(StepBuffers &host,
                            const Stream &stream) const {
  Status status = sparseList.download(host.sparseList.data(), stream);
  if (status.ok()) {
    status = sparseLen.download(host.sparseLen.data(), stream);
  }
  if (status.ok()) {
    status = weightList.download(host.weightList.data(), stream);
  }
  if (status.ok()) {
    status = codebook.download(host.codebook.data(), stream);
  }
  return status;
}

pqrt_step DeviceStep::step(StepBuffers &host) const {
  pqrt_step s;
  pqrt_step_init(&s);
  s.batch = host.config.batch;
  s.seq_len = host.seqLen;
  s.key_capacity = host.config.keyCapacity;
  s.code_capacity = host.config.codeCapacity;
  s.query = query.ptr();
  s.key = key.ptr();
  s.centroids = centroids.ptr();
  // StepBuffers keeps a few bytes of phi for every metric; only ip reads it.
  s.phi = host.config.metric == pqrt::Metric::InnerProduct
              ? static_cast<const float *>(phi.ptr())
              : nullptr;
  s.codebook = codebook.ptr();
  s.num_cached = &host.numCached;
  s.sparse_list = sparseList.ptr();
  s.sparse_len = static_cast<int64_t *>(sparseLen.ptr());
  s.weight_list = weightList.ptr();
  return s;
}

pqrt_build DeviceStep::build(StepBuffers &host, int64_t kmeansIter,
                             uint64_t seed, int64_t *iterations) const {
  pqrt_build b;
  pqrt_build_init(&b);
  b.batch = host.config.batch;
  b.seq_len = host.seqLen;
  b.key_capacity = host.config.keyCapacity;
  b.code_capacity = host.config.codeCapacity;
  b.kmeans_iter = kmeansIter;
  b.seed = seed;
  b.key = key.ptr();
  b.centroids = centroids.ptr();
  b.phi = host.config.metric == pqrt::Metric::InnerProduct
              ? static_cast<float *>(phi.ptr())
              : nullptr;
  b.codebook = codebook.ptr();
  b.num_cached = &host.numCached;
  b.iterations = iterations;
  return b;
}

Status DeviceStep::downloadIndex(StepBuffers &host,
                                 const Stream &stream) const {
  Status status = centroids.download(host.centroids.data(), stream);
  if (status.ok()) {
    status = phi.download(host.phi.data(), stream);
  }
  if (status.ok()) {
    status = codebook.download(host.codebook.data(), stream);
  }
  return status;
}

} // namespace pqhost
