//===- BuildSteps.cpp - GPU steps on a GPU-built index --------------------===//
//
// After a GPU build, decode steps with new keys arriving (num_cached grows
// with each) run on the GPU on its own index, and the CPU reference runs the
// same steps on a host copy of that index: the outputs must agree the
// tie-aware way and the codebooks byte for byte, step after step.
//
//===----------------------------------------------------------------------===//

#include "BuildDevice.h"
#include "CheckUtil.h"

#include "pqrt/Compare.h"
#include "pqrt/Reference.h"

#include <cstring>

namespace pqgpu {

namespace {


/// The step's own buffers on the device: the query and the outputs (the
/// key cache and the index are the build's).
struct StepOutputsOnDevice {
  DevPtr query = 0, list = 0, len = 0, weight = 0;
  size_t listBytes = 0, lenBytes = 0, weightBytes = 0;
};

std::string allocateStep(DeviceBuild &dev, const pqrt::StepBuffers &host,
                         StepOutputsOnDevice &out) {
  out.listBytes = host.sparseList.size();
  out.lenBytes = host.sparseLen.size() * sizeof(int64_t);
  out.weightBytes = host.weightList.size();
  std::string error = dev.make(out.query, host.query.data(), host.query.size());
  if (error.empty()) {
    error = dev.make(out.list, host.sparseList.data(), out.listBytes);
  }
  if (error.empty()) {
    error = dev.make(out.len, host.sparseLen.data(), out.lenBytes);
  }
  if (error.empty()) {
    error = dev.make(out.weight, host.weightList.data(), out.weightBytes);
  }
  return error;
}

/// One step of sk `seqLen` from `cached` codes; `host` holds the inputs and
/// the reference's index. Returns "" or what differed.
std::string oneStep(Backend &backend, Runner &runner, DeviceBuild &dev,
                    pqrt::StepBuffers &host, int64_t cached) {
  const pqrt::StepConfig &c = host.config;
  const std::string name = "step sk=" + str(host.seqLen) + " (n_cached " +
                           str(cached) + "): ";
  StepOutputsOnDevice out;
  std::string error = allocateStep(dev, host, out);
  if (!error.empty()) {
    return name + error;
  }
  auto pointer = [](DevPtr p) { return reinterpret_cast<void *>(p); };
  int64_t count = cached;
  pqrt_step step;
  pqrt_step_init(&step);
  step.batch = c.batch;
  step.seq_len = host.seqLen;
  step.key_capacity = c.keyCapacity;
  step.code_capacity = c.codeCapacity;
  step.query = pointer(out.query);
  step.key = pointer(dev.keyBuffer());
  step.centroids = pointer(dev.centroidBuffer());
  step.phi = c.metric == pqrt::Metric::InnerProduct
                 ? static_cast<const float *>(pointer(dev.phiBuffer()))
                 : nullptr;
  step.codebook = pointer(dev.codeBuffer());
  step.num_cached = &count;
  step.sparse_list = pointer(out.list);
  step.sparse_len = static_cast<int64_t *>(pointer(out.len));
  step.weight_list = pointer(out.weight);
  std::string message;
  pqrt_status status = runner.run(step, message);
  if (status != PQRT_OK) {
    return name + "pqrt_indexer_run: " + pqrt_status_name(status) + ": " +
           message;
  }
  error = backend.synchronize();
  std::vector<uint8_t> list(out.listBytes), weight(out.weightBytes),
      codes(host.codebook.size());
  std::vector<int64_t> len(out.lenBytes / sizeof(int64_t));
  if (error.empty()) {
    error = backend.download(list.data(), out.list, out.listBytes);
  }
  if (error.empty()) {
    error = backend.download(len.data(), out.len, out.lenBytes);
  }
  if (error.empty()) {
    error = backend.download(weight.data(), out.weight, out.weightBytes);
  }
  if (error.empty()) {
    error = backend.download(codes.data(), dev.codeBuffer(), codes.size());
  }
  if (!error.empty()) {
    return name + error;
  }
  pqrt::Status ref = pqrt::referenceStep(c, host.args());
  std::vector<float> scores;
  if (ref.ok()) {
    ref = pqrt::referenceScores(c, host.args(), scores);
  }
  if (!ref.ok()) {
    return name + "the CPU reference: " + ref.message;
  }
  const int64_t n = host.seqLen - c.initOffset;
  if (count != n || host.numCached != n) {
    return name + "num_cached " + str(count) + " after the GPU step, " +
           str(host.numCached) + " after the reference's, expected " + str(n);
  }
  pqrt::Status same = pqrt::compareOutputs(
      c, host.seqLen, host.outputs(), scores.data(),
      pqrt::StepOutputs{list.data(), len.data(), weight.data()});
  if (!same.ok()) {
    return name + "differs from the CPU reference on the GPU-built index: " +
           same.message;
  }
  if (codes != host.codebook) {
    return name + "the codebook differs from the reference's (new keys "
                  "quantized differently on the GPU-built centroids)";
  }
  return std::string();
}

} // namespace

std::string runBuildSteps(Backend &backend, Runner &runner, DeviceBuild &dev,
                          const PreparedBuild &p, const BuiltIndex &built) {
  const pqrt::StepBuffers &master = *p.host;
  std::string error = dev.uploadIndex(built);
  if (!error.empty()) {
    return "uploading the GPU-built index: " + error;
  }
  std::vector<uint8_t> codebook = built.codebook;
  int64_t cached = p.spec.indexedKeys(master.config);
  for (int64_t seqLen : p.spec.stepSeqLens) {
    pqrt::StepBuffers host(master.config, seqLen, cached);
    host.query = master.query;
    host.key = master.key;
    host.centroids = built.centroids;
    if (host.phi.size() == built.phi.size()) {
      host.phi = built.phi;
    }
    host.codebook = codebook;
    error = oneStep(backend, runner, dev, host, cached);
    if (!error.empty()) {
      return error;
    }
    codebook = host.codebook;
    cached = host.numCached;
  }
  return std::string();
}

} // namespace pqgpu
