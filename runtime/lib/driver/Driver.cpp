//===- Driver.cpp - Opening libcuda.so.1 once -----------------------------===//
//
// dlopen + dlsym over the X-macro table, then cuInit, exactly once per
// process. The library is never closed: the driver outlives every static
// destructor that might still release a module or context.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include <dlfcn.h>

#include <string>

namespace pqrt {
namespace driver {

namespace {

Status noDriver(const char *library, const std::string &detail) {
  return {StatusCode::NoDriver, std::string("no CUDA driver: ") + library +
                                    " could not be loaded (" + detail + ")"};
}

/// Resolves one symbol into `slot`; false when it is missing.
template <typename Fn> bool resolve(void *handle, const char *name, Fn &slot) {
  slot = reinterpret_cast<Fn>(dlsym(handle, name));
  return slot != nullptr;
}

struct ProcessDriver {
  CudaDriver table;
  Status status;
};

ProcessDriver loadProcessDriver() {
  ProcessDriver result;
  void *handle = nullptr;
  result.status = openDriverLibrary(kDriverLibrary, result.table, handle);
  if (!result.status.ok()) {
    return result;
  }
  CUresult init = result.table.cuInit(0);
  if (init == CUDA_SUCCESS) {
    return result;
  }
  std::string text = describeCuda(&result.table, init);
  if (init == CUDA_ERROR_NO_DEVICE) {
    result.status = {StatusCode::NoDevice, "no CUDA device: cuInit: " + text};
  } else if (init == CUDA_ERROR_STUB_LIBRARY) {
    result.status =
        noDriver(kDriverLibrary, "it is the toolkit's stub library: " + text);
  } else {
    result.status = {StatusCode::DriverError, "cuInit failed: " + text};
  }
  return result;
}

} // namespace

Status openDriverLibrary(const char *library, CudaDriver &table,
                         void *&handle) {
  handle = nullptr;
  table = CudaDriver();
  void *opened = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!opened) {
    const char *error = dlerror();
    return noDriver(library, error ? error : "dlopen failed");
  }
  std::string missing;
#define PQRT_CUDA_RESOLVE(name)                                                \
  if (!resolve(opened, #name, table.name)) {                                   \
    missing += missing.empty() ? #name : ", " #name;                           \
  }
  PQRT_CUDA_REQUIRED_SYMBOLS(PQRT_CUDA_RESOLVE)
#undef PQRT_CUDA_RESOLVE
#define PQRT_CUDA_RESOLVE_OPTIONAL(name) resolve(opened, #name, table.name);
  PQRT_CUDA_OPTIONAL_SYMBOLS(PQRT_CUDA_RESOLVE_OPTIONAL)
  PQRT_CUDA_HOST_SYMBOLS(PQRT_CUDA_RESOLVE_OPTIONAL)
#undef PQRT_CUDA_RESOLVE_OPTIONAL
#define PQRT_CUDA_RESOLVE_RENAMED(name, older)                                 \
  resolve(opened, #name, table.name) || resolve(opened, #older, table.name);
  PQRT_CUDA_HOST_RENAMED_SYMBOLS(PQRT_CUDA_RESOLVE_RENAMED)
#undef PQRT_CUDA_RESOLVE_RENAMED
  if (!missing.empty()) {
    dlclose(opened);
    table = CudaDriver();
    return noDriver(library, "it lacks " + missing +
                                 "; the driver is too old or not NVIDIA's");
  }
  handle = opened;
  return Status::success();
}

Status getDriver(const CudaDriver *&out) {
  // A function-local static: constructed once, thread-safe (C++11), and
  // never torn down in an order that matters since it holds no handles that
  // need releasing.
  static const ProcessDriver driver = loadProcessDriver();
  out = driver.status.ok() ? &driver.table : nullptr;
  return driver.status;
}

std::string missingHostSymbols(const CudaDriver &cuda) {
  std::string missing;
#define PQRT_CUDA_CHECK_HOST(name)                                             \
  if (!cuda.name) {                                                            \
    missing += missing.empty() ? #name : ", " #name;                           \
  }
#define PQRT_CUDA_CHECK_HOST_RENAMED(name, older) PQRT_CUDA_CHECK_HOST(name)
  PQRT_CUDA_HOST_SYMBOLS(PQRT_CUDA_CHECK_HOST)
  PQRT_CUDA_HOST_RENAMED_SYMBOLS(PQRT_CUDA_CHECK_HOST_RENAMED)
#undef PQRT_CUDA_CHECK_HOST_RENAMED
#undef PQRT_CUDA_CHECK_HOST
  return missing;
}

std::string describeCuda(const CudaDriver *cuda, CUresult result) {
  const char *name = nullptr;
  const char *text = nullptr;
  if (cuda && cuda->cuGetErrorName) {
    cuda->cuGetErrorName(result, &name);
  }
  if (cuda && cuda->cuGetErrorString) {
    cuda->cuGetErrorString(result, &text);
  }
  std::string out = name ? name : "CUresult " + std::to_string(int(result));
  if (text) {
    out += std::string(" (") + text + ")";
  }
  return out;
}

Status checkCuda(const CudaDriver &cuda, CUresult result,
                 const std::string &what) {
  if (result == CUDA_SUCCESS) {
    return Status::success();
  }
  return {StatusCode::DriverError, what + ": " + describeCuda(&cuda, result)};
}

Status checkCuda(const CudaDriver &cuda, CUresult result, const char *what) {
  if (result == CUDA_SUCCESS) {
    return Status::success();
  }
  return checkCuda(cuda, result, std::string(what));
}

} // namespace driver
} // namespace pqrt
