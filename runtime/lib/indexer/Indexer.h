//===- Indexer.h - A compiled indexer ready to launch -----------*- C++ -*-===//
//
// Created once per (bundle, device, max batch): picks and loads the image,
// resolves the kernels (the step's and the build's, from the same module),
// raises their shared-memory limits and allocates the one workspace they
// share. run() and build() then only validate, pack and launch on the
// caller's stream: no allocation, no synchronization, so they can be
// captured into a CUDA graph.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_INDEXER_INDEXER_H
#define PQRT_LIB_INDEXER_INDEXER_H

#include "BuildLaunch.h"
#include "Device.h"
#include "Launch.h"
#include "ModuleCache.h"

#include <memory>
#include <vector>

namespace pqrt {
namespace indexer {

class Indexer {
public:
  /// `maxBatch` 0 means the module's static batch. NoDriver / NoDevice
  /// without a GPU, Unsupported when the bundle has no image for the device
  /// or needs more than it offers, BadModule when the image does not load.
  static Status create(std::shared_ptr<const bundle::Bundle> bundle,
                       int ordinal, int64_t maxBatch,
                       std::unique_ptr<Indexer> &out);
  ~Indexer();
  Indexer(const Indexer &) = delete;
  Indexer &operator=(const Indexer &) = delete;

  /// One step on `stream` (any stream of this device's primary context; 0
  /// is the legacy default stream). Validates everything first (see
  /// validateRun); on success *numCached becomes sk - init_offset unless the
  /// step took the full-attention path. Runs of one indexer share its
  /// workspace, so concurrent runs need separate indexers or ordering.
  Status run(const RunArgs &args, CUstream stream) const;

  /// The index build (docs/BUILD.md) on `stream`: Unsupported when the
  /// module has none; validates everything first (validateBuildRun), then
  /// launches the build's kernels in forEachBuildLaunch's order. On success
  /// *numCached becomes n = sk - init_offset. Shares the workspace with
  /// run(): order builds and runs of one indexer on one stream.
  Status build(const BuildRunArgs &args, CUstream stream) const;

  const bundle::Bundle &getBundle() const { return *bundle; }
  const bundle::ImageSpec &getImage() const {
    return bundle->images[imageIndex];
  }
  const DeviceInfo &getDevice() const { return device; }
  int64_t getMaxBatch() const { return maxBatch; }

private:
  Indexer() = default;
  Status prepareKernels();
  Status prepareKernel(const bundle::KernelSpec &kernel, CUfunction &out);
  Status allocateWorkspace();
  Status launch(const bundle::KernelSpec &kernel, CUfunction function,
                const std::array<uint32_t, 3> &grid, CUstream stream,
                void **params) const;

  const driver::CudaDriver *cuda = nullptr;
  std::shared_ptr<const bundle::Bundle> bundle;
  size_t imageIndex = 0;
  DeviceInfo device;
  int64_t maxBatch = 0;
  std::shared_ptr<LoadedModule> module;
  std::vector<CUfunction> functions; // one per bundle kernel, in order
  std::vector<CUfunction> buildFunctions; // one per build kernel, in order
  CUdeviceptr workspace = 0;
};

} // namespace indexer
} // namespace pqrt

#endif // PQRT_LIB_INDEXER_INDEXER_H
