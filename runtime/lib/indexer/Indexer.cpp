//===- Indexer.cpp - A compiled indexer ready to launch on one GPU --------===//

#include "Indexer.h"
#include "Context.h"

#include <string>

namespace pqrt {
namespace indexer {

namespace {

constexpr uint32_t kDefaultSmemLimit = 48 * 1024;
constexpr int64_t kPortableClusterBlocks = 8;

std::string str(int64_t value) { return std::to_string(value); }

} // namespace

Status Indexer::create(std::shared_ptr<const bundle::Bundle> bundle,
                       int ordinal, int64_t maxBatch,
                       std::unique_ptr<Indexer> &out) {
  if (!bundle) {
    return Status::invalid("bundle: is null");
  }
  Status status = resolveMaxBatch(*bundle, maxBatch);
  if (!status.ok()) {
    return status;
  }
  const driver::CudaDriver *cuda = nullptr;
  status = driver::getDriver(cuda);
  if (!status.ok()) {
    return status;
  }
  std::unique_ptr<Indexer> indexer(new Indexer());
  indexer->cuda = cuda;
  indexer->bundle = std::move(bundle);
  indexer->maxBatch = maxBatch;
  status = queryDevice(*cuda, ordinal, indexer->device);
  if (status.ok()) {
    status = bundle::selectImage(*indexer->bundle, indexer->device.sm,
                                 indexer->imageIndex);
  }
  if (status.ok()) {
    status = acquireModule(*cuda, *indexer->bundle, indexer->imageIndex,
                           ordinal, indexer->module);
  }
  if (status.ok()) {
    status = indexer->prepareKernels();
  }
  if (status.ok()) {
    status = indexer->allocateWorkspace();
  }
  if (status.ok()) {
    out = std::move(indexer);
  }
  return status;
}

Indexer::~Indexer() {
  if (workspace && module) {
    ScopedContext scope(*cuda, module->context);
    if (scope.getStatus().ok()) {
      cuda->cuMemFree_v2(workspace);
    }
  }
}

Status Indexer::prepareKernels() {
  ScopedContext scope(*cuda, module->context);
  Status status = scope.getStatus();
  for (size_t i = 0; status.ok() && i < bundle->kernels.size(); ++i) {
    CUfunction function = nullptr;
    status = prepareKernel(bundle->kernels[i], function);
    if (status.ok()) {
      functions.push_back(function);
    }
  }
  const size_t buildKernels = bundle->build ? bundle->build->kernels.size() : 0;
  for (size_t i = 0; status.ok() && i < buildKernels; ++i) {
    CUfunction function = nullptr;
    status = prepareKernel(bundle->build->kernels[i], function);
    if (status.ok()) {
      buildFunctions.push_back(function);
    }
  }
  return status;
}

/// Resolves one kernel of the module (the context is current) and applies
/// its launch attributes: the dynamic shared memory opt-in, non-portable
/// cluster sizes.
Status Indexer::prepareKernel(const bundle::KernelSpec &kernel,
                              CUfunction &function) {
  const std::string where =
      " on device " + str(device.ordinal) + " (sm_" + str(device.sm) + ")";
  CUresult found = cuda->cuModuleGetFunction(&function, module->module,
                                             kernel.name.c_str());
  if (found == CUDA_ERROR_NOT_FOUND) {
    return {StatusCode::BadModule, "bundle: kernel '" + kernel.name +
                                       "' of module '" + bundle->entry +
                                       "' is not in its " + getImage().arch +
                                       " image"};
  }
  Status status = driver::checkCuda(*cuda, found, "cuModuleGetFunction");
  if (!status.ok()) {
    return status;
  }
  if (int64_t(kernel.smem) > device.sharedMemoryOptIn) {
    return {StatusCode::Unsupported,
            "kernel '" + kernel.name + "' needs " + str(kernel.smem) +
                " bytes of shared memory; the device allows " +
                str(device.sharedMemoryOptIn) + where};
  }
  if (kernel.smem > kDefaultSmemLimit) {
    status = driver::checkCuda(
        *cuda,
        cuda->cuFuncSetAttribute(
            function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
            int(kernel.smem)),
        "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES) of '" +
            kernel.name + "'");
  }
  if (status.ok() && kernel.clustered()) {
    if (!device.clusterLaunch || !cuda->cuLaunchKernelEx) {
      return {StatusCode::Unsupported,
              "kernel '" + kernel.name +
                  "' uses thread block clusters, which need sm_90+ and a "
                  "driver with cuLaunchKernelEx" +
                  where};
    }
    int64_t blocks =
        int64_t(kernel.cluster[0]) * kernel.cluster[1] * kernel.cluster[2];
    if (blocks > kPortableClusterBlocks) {
      status = driver::checkCuda(
          *cuda,
          cuda->cuFuncSetAttribute(
              function, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED,
              1),
          "cuFuncSetAttribute(NON_PORTABLE_CLUSTER_SIZE_ALLOWED) of '" +
              kernel.name + "'");
    }
  }
  return status;
}

Status Indexer::allocateWorkspace() {
  // One buffer for the step and the build (both run on the caller's stream).
  const uint64_t perBatch = bundle->sharedWorkspaceBytesPerBatch();
  if (perBatch == 0) {
    return Status::success();
  }
  // Both factors are bounded (2^40 and 2^20), so the product fits.
  uint64_t bytes = perBatch * uint64_t(maxBatch);
  ScopedContext scope(*cuda, module->context);
  if (!scope.getStatus().ok()) {
    return scope.getStatus();
  }
  return driver::checkCuda(*cuda, cuda->cuMemAlloc_v2(&workspace, bytes),
                           "cuMemAlloc of the " + str(int64_t(bytes)) +
                               "-byte workspace");
}

Status Indexer::launch(const bundle::KernelSpec &kernel, CUfunction function,
                       const std::array<uint32_t, 3> &grid, CUstream stream,
                       void **params) const {
  CUresult result;
  if (kernel.clustered()) {
    CUlaunchAttribute attribute = {};
    attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attribute.value.clusterDim.x = kernel.cluster[0];
    attribute.value.clusterDim.y = kernel.cluster[1];
    attribute.value.clusterDim.z = kernel.cluster[2];
    CUlaunchConfig config = {};
    config.gridDimX = grid[0];
    config.gridDimY = grid[1];
    config.gridDimZ = grid[2];
    config.blockDimX = kernel.block[0];
    config.blockDimY = kernel.block[1];
    config.blockDimZ = kernel.block[2];
    config.sharedMemBytes = kernel.smem;
    config.hStream = stream;
    config.attrs = &attribute;
    config.numAttrs = 1;
    result = cuda->cuLaunchKernelEx(&config, function, params, nullptr);
  } else {
    result = cuda->cuLaunchKernel(
        function, grid[0], grid[1], grid[2], kernel.block[0],
        kernel.block[1], kernel.block[2], kernel.smem, stream, params, nullptr);
  }
  if (result == CUDA_SUCCESS) {
    return Status::success(); // no message built on the per-call path
  }
  return driver::checkCuda(*cuda, result,
                           "launch of kernel '" + kernel.name + "'");
}

Status Indexer::run(const RunArgs &args, CUstream stream) const {
  BufferSizes sizes;
  Status status = validateRun(*bundle, maxBatch, args, sizes);
  if (!status.ok()) {
    return status;
  }
  PackedParams params;
  packParams(*bundle, args, sizes, uint64_t(workspace), params);
  {
    ScopedContext scope(*cuda, module->context);
    status = scope.getStatus();
    for (size_t i = 0; status.ok() && i < functions.size(); ++i) {
      std::array<uint32_t, 3> grid;
      status = resolveGrid(bundle->kernels[i], args.batch, grid);
      if (status.ok()) {
        status = launch(bundle->kernels[i], functions[i], grid, stream,
                        params.pointers.data());
      }
    }
  }
  const StepConfig config = callConfig(*bundle, args);
  if (status.ok() && !isFullAttention(config, args.step.seqLen)) {
    *args.step.numCached = args.step.seqLen - config.initOffset;
  }
  return status;
}

Status Indexer::build(const BuildRunArgs &args, CUstream stream) const {
  BufferSizes sizes;
  Status status = validateBuildRun(*bundle, maxBatch, args, sizes);
  if (!status.ok()) {
    return status;
  }
  PackedParams params;
  packBuildParams(*bundle, args, sizes, uint64_t(workspace), params);
  const bundle::BuildSpec &spec = *bundle->build;
  {
    ScopedContext scope(*cuda, module->context);
    status = scope.getStatus();
    if (status.ok()) {
      status = forEachBuildLaunch(
          spec, args.build.kmeansIter, [&](size_t i, int64_t iteration) {
            std::array<uint32_t, 3> grid;
            Status launched = resolveGrid(spec.kernels[i], args.batch, grid);
            if (launched.ok()) {
              params.setIteration(iteration);
              launched = launch(spec.kernels[i], buildFunctions[i], grid,
                                stream, params.pointers.data());
            }
            return launched;
          });
    }
  }
  if (status.ok()) {
    *args.build.numCached = args.build.seqLen - bundle->step.initOffset;
  }
  return status;
}

} // namespace indexer
} // namespace pqrt
