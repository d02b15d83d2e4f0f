//===- BuildDevice.h - An index build's buffers on the backend --*- C++ -*-===//
//
// The device side of one build case: the key cache, the outputs (centroids,
// phi, codebook), the caller's initial indices and the iterations word, in
// the backend's memory; filled with a garbage byte before each run and
// fetched after it. Also the GPU steps that follow a build (BuildSteps.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_GPU_BUILDDEVICE_H
#define PQ_TEST_GPU_BUILDDEVICE_H

#include "BuildPlan.h"
#include "support/Backend.h"

#include "pqhost/BuildCheck.h"
#include "pqrt/pqrt.h"

#include <string>
#include <vector>

namespace pqgpu {

/// Host copies of what one build left in device memory.
struct BuiltIndex {
  std::vector<uint8_t> centroids, codebook;
  std::vector<float> phi;
  int64_t iterations = 0;
  int64_t count = 0; // num_cached after the call

  pqhost::BuildOutputs outputs(bool withIterations) const {
    return {centroids.data(), phi.data(), codebook.data(),
            withIterations ? &iterations : nullptr};
  }
};

class DeviceBuild {
public:
  explicit DeviceBuild(Backend &backend) : backend(backend) {}
  ~DeviceBuild();
  DeviceBuild(const DeviceBuild &) = delete;
  DeviceBuild &operator=(const DeviceBuild &) = delete;

  /// Buffers of `host`'s sizes (its key cache uploaded), the initial
  /// indices [b * h_kv * S, C] and the iterations word.
  std::string allocate(const pqrt::StepBuffers &host);
  std::string uploadInitial(const std::vector<int64_t> &indices);
  /// Centroids, phi, codebook and the iterations word set to `byte`.
  std::string reset(uint8_t byte);
  /// An index (centroids, phi, codebook) put on the device.
  std::string uploadIndex(const BuiltIndex &index);
  std::string fetch(BuiltIndex &out) const;

  /// The build of `spec` over these buffers; `count` is the host's
  /// num_cached. Initial indices only with `passInitial`, the iterations
  /// word only when the spec asks for it.
  pqrt_build build(const pqrt::StepBuffers &host, const BuildCaseSpec &spec,
                   bool passInitial, int64_t *count) const;

  DevPtr keyBuffer() const { return key; }
  DevPtr centroidBuffer() const { return centroids; }
  DevPtr phiBuffer() const { return phi; }
  DevPtr codeBuffer() const { return codebook; }

  /// Allocates `bytes` (uploading `data` when given), freed with this.
  std::string make(DevPtr &out, const void *data, size_t bytes);

private:
  Backend &backend;
  std::vector<DevPtr> owned;
  DevPtr key = 0, centroids = 0, phi = 0, codebook = 0, initial = 0,
         iterations = 0;
  size_t centroidBytes = 0, phiBytes = 0, codeBytes = 0, initialBytes = 0;
};

/// The GPU steps of `p.spec.stepSeqLens` after the build `built`, on the
/// device's copy of it, each against pqrt_reference_run on the same index
/// (tie-aware outputs, codebook byte-equal, num_cached). "" when all agree.
std::string runBuildSteps(Backend &backend, Runner &runner, DeviceBuild &dev,
                          const PreparedBuild &p, const BuiltIndex &built);

} // namespace pqgpu

#endif // PQ_TEST_GPU_BUILDDEVICE_H
