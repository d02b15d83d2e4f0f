//===- BuildDevice.cpp - An index build's buffers on the backend ----------===//

#include "BuildDevice.h"

#include "pqrt/Build.h"

#include <algorithm>

namespace pqgpu {

DeviceBuild::~DeviceBuild() {
  for (DevPtr pointer : owned) {
    backend.release(pointer);
  }
}

std::string DeviceBuild::make(DevPtr &out, const void *data, size_t bytes) {
  std::string error = backend.alloc(bytes, out);
  if (!error.empty()) {
    return error;
  }
  owned.push_back(out);
  return data && bytes ? backend.upload(out, data, bytes) : std::string();
}

std::string DeviceBuild::allocate(const pqrt::StepBuffers &host) {
  const pqrt::StepConfig &c = host.config;
  centroidBytes = host.centroids.size();
  phiBytes = host.phi.size() * sizeof(float);
  codeBytes = host.codebook.size();
  initialBytes =
      size_t(pqrt::buildGroups(c) * c.centroids()) * sizeof(int64_t);
  std::string error = make(key, host.key.data(), host.key.size());
  if (error.empty()) {
    error = make(centroids, nullptr, centroidBytes);
  }
  if (error.empty()) {
    error = make(phi, nullptr, phiBytes);
  }
  if (error.empty()) {
    error = make(codebook, nullptr, codeBytes);
  }
  if (error.empty()) {
    error = make(initial, nullptr, initialBytes);
  }
  if (error.empty()) {
    error = make(iterations, nullptr, sizeof(int64_t));
  }
  return error;
}

std::string DeviceBuild::uploadInitial(const std::vector<int64_t> &indices) {
  if (indices.size() * sizeof(int64_t) != initialBytes) {
    return "uploadInitial: " + std::to_string(indices.size()) +
           " indices for a buffer of " + std::to_string(initialBytes) +
           " bytes";
  }
  return backend.upload(initial, indices.data(), initialBytes);
}

std::string DeviceBuild::reset(uint8_t byte) {
  std::vector<uint8_t> fill(std::max({centroidBytes, phiBytes, codeBytes,
                                      sizeof(int64_t)}),
                            byte);
  std::string error = backend.upload(centroids, fill.data(), centroidBytes);
  if (error.empty()) {
    error = backend.upload(phi, fill.data(), phiBytes);
  }
  if (error.empty()) {
    error = backend.upload(codebook, fill.data(), codeBytes);
  }
  if (error.empty()) {
    error = backend.upload(iterations, fill.data(), sizeof(int64_t));
  }
  return error;
}

std::string DeviceBuild::uploadIndex(const BuiltIndex &index) {
  std::string error =
      backend.upload(centroids, index.centroids.data(), centroidBytes);
  if (error.empty()) {
    error = backend.upload(phi, index.phi.data(), phiBytes);
  }
  if (error.empty()) {
    error = backend.upload(codebook, index.codebook.data(), codeBytes);
  }
  return error;
}

std::string DeviceBuild::fetch(BuiltIndex &out) const {
  out.centroids.resize(centroidBytes);
  out.phi.resize(phiBytes / sizeof(float));
  out.codebook.resize(codeBytes);
  std::string error =
      backend.download(out.centroids.data(), centroids, centroidBytes);
  if (error.empty()) {
    error = backend.download(out.phi.data(), phi, phiBytes);
  }
  if (error.empty()) {
    error = backend.download(out.codebook.data(), codebook, codeBytes);
  }
  if (error.empty()) {
    error = backend.download(&out.iterations, iterations, sizeof(int64_t));
  }
  return error;
}

pqrt_build DeviceBuild::build(const pqrt::StepBuffers &host,
                              const BuildCaseSpec &spec, bool passInitial,
                              int64_t *count) const {
  auto pointer = [](DevPtr p) { return reinterpret_cast<void *>(p); };
  pqrt_build b;
  pqrt_build_init(&b);
  b.batch = host.config.batch;
  b.seq_len = spec.seqLen;
  b.key_capacity = host.config.keyCapacity;
  b.code_capacity = host.config.codeCapacity;
  b.kmeans_iter = spec.kmeansIter;
  b.seed = spec.seed;
  b.initial_indices =
      passInitial ? static_cast<const int64_t *>(pointer(initial)) : nullptr;
  b.key = pointer(key);
  b.centroids = pointer(centroids);
  b.phi = host.config.metric == pqrt::Metric::InnerProduct
              ? static_cast<float *>(pointer(phi))
              : nullptr;
  b.codebook = pointer(codebook);
  b.num_cached = count;
  b.iterations =
      spec.iterations ? static_cast<int64_t *>(pointer(iterations)) : nullptr;
  return b;
}

} // namespace pqgpu
