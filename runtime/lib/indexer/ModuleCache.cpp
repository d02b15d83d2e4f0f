//===- ModuleCache.cpp - One loaded module per bundle image and device ----===//
//
// The key is the bundle's content hash plus the chosen image and the device:
// equal hashes mean equal image sections, so two bundles that differ only in
// their manifests still share the module. Loading happens under the cache
// lock, which serializes JIT compiles but guarantees exactly one per key.
//
//===----------------------------------------------------------------------===//

#include "ModuleCache.h"
#include "Context.h"

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace pqrt {
namespace indexer {

namespace {

using Key = std::tuple<uint64_t, int, uint64_t, uint64_t, int>;

struct Cache {
  std::mutex mutex;
  std::map<Key, std::weak_ptr<LoadedModule>> modules;
};

Cache &cache() {
  // Leaked on purpose: no destructor may run after the driver is gone.
  static Cache *instance = new Cache;
  return *instance;
}

/// Module load errors caused by the image itself are the bundle's fault.
StatusCode loadErrorCode(CUresult result) {
  switch (result) {
  case CUDA_ERROR_INVALID_PTX:
  case CUDA_ERROR_INVALID_IMAGE:
  case CUDA_ERROR_NO_BINARY_FOR_GPU:
  case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
  case CUDA_ERROR_JIT_COMPILER_NOT_FOUND:
    return StatusCode::BadModule;
  default:
    return StatusCode::DriverError;
  }
}

Status loadImage(const driver::CudaDriver &cuda, const bundle::Bundle &bundle,
                 const bundle::ImageSpec &image, int ordinal, CUmodule &out) {
  // A copy: PTX must be NUL-terminated, and the driver wants aligned ELF.
  std::string bytes(reinterpret_cast<const char *>(bundle.imageData(image)),
                    size_t(image.size));
  std::vector<char> log(16384, '\0');
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log.data(), reinterpret_cast<void *>(log.size() - 1)};
  CUresult result =
      cuda.cuModuleLoadDataEx(&out, bytes.c_str(), 2, options, values);
  if (result == CUDA_SUCCESS) {
    return Status::success();
  }
  bool ptx = image.format == bundle::ImageFormat::Ptx;
  std::string message =
      "bundle: loading the " + image.arch + (ptx ? " PTX (JIT)" : " cubin") +
      " of module '" + bundle.entry + "' on device " + std::to_string(ordinal) +
      " failed: " + driver::describeCuda(&cuda, result);
  log.back() = '\0';
  if (log[0] != '\0') {
    message += "; JIT log:\n" + std::string(log.data());
  }
  return {loadErrorCode(result), message};
}

Status createModule(const driver::CudaDriver &cuda,
                    const bundle::Bundle &bundle, size_t imageIndex,
                    int ordinal, std::shared_ptr<LoadedModule> &out) {
  auto loaded = std::make_shared<LoadedModule>();
  loaded->cuda = &cuda;
  Status status = driver::PrimaryContext::acquire(cuda, ordinal,
                                                  loaded->primary);
  if (!status.ok()) {
    return status;
  }
  loaded->context = loaded->primary->context();
  ScopedContext scope(cuda, loaded->context);
  if (!scope.getStatus().ok()) {
    return scope.getStatus();
  }
  status = loadImage(cuda, bundle, bundle.images[imageIndex], ordinal,
                     loaded->module);
  if (!status.ok()) {
    loaded->module = nullptr;
    return status;
  }
  out = std::move(loaded);
  return Status::success();
}

} // namespace

LoadedModule::~LoadedModule() {
  // `primary` (declared before) outlives the unload.
  if (cuda && context && module) {
    ScopedContext scope(*cuda, context);
    if (scope.getStatus().ok()) {
      cuda->cuModuleUnload(module);
    }
  }
}

Status acquireModule(const driver::CudaDriver &cuda,
                     const bundle::Bundle &bundle, size_t imageIndex,
                     int ordinal, std::shared_ptr<LoadedModule> &out) {
  const bundle::ImageSpec &image = bundle.images[imageIndex];
  Key key{bundle.contentHash, ordinal, image.offset, image.size,
          int(image.format)};
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (std::shared_ptr<LoadedModule> existing = c.modules[key].lock()) {
    out = std::move(existing);
    return Status::success();
  }
  Status status = createModule(cuda, bundle, imageIndex, ordinal, out);
  if (status.ok()) {
    c.modules[key] = out;
  } else {
    c.modules.erase(key);
  }
  return status;
}

} // namespace indexer
} // namespace pqrt
