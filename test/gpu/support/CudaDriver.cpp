//===- CudaDriver.cpp - The driver calls the GPU tests make ---------------===//

#include "CudaDriver.h"

#include <dlfcn.h>

#include <mutex>

namespace pqgpu {

namespace {

struct Loaded {
  CudaDriver *driver = nullptr;
  std::string whyNot;
};

} // namespace

std::string CudaDriver::describe(CUresult result) const {
  const char *name = nullptr;
  const char *text = nullptr;
  if (!getErrorName || getErrorName(result, &name) != CUDA_SUCCESS || !name) {
    name = "CUDA_ERROR_UNKNOWN";
  }
  if (!getErrorString || getErrorString(result, &text) != CUDA_SUCCESS ||
      !text) {
    text = "";
  }
  return std::string(name) + " (" + text + ", code " +
         std::to_string(int(result)) + ")";
}

std::string CudaDriver::check(CUresult result, const char *what) const {
  if (result == CUDA_SUCCESS) {
    return std::string();
  }
  return std::string(what) + ": " + describe(result);
}

CudaDriver *CudaDriver::get(std::string &whyNot) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] {
    void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *error = dlerror();
      loaded.whyNot = std::string("no CUDA driver: dlopen(libcuda.so.1) "
                                  "failed: ") +
                      (error ? error : "unknown error");
      return;
    }
    // Leaked on purpose: libpqrt keeps its own handle, and kernels may still
    // be referenced by the primary context at exit.
    CudaDriver *d = new CudaDriver();
#define PQGPU_CUDA_RESOLVE(field, symbol)                                      \
  d->field = reinterpret_cast<decltype(d->field)>(dlsym(handle, #symbol));     \
  if (!d->field) {                                                             \
    loaded.whyNot = "CUDA driver unusable: libcuda.so.1 has no " #symbol;      \
    return;                                                                    \
  }
    PQGPU_CUDA_SYMBOLS(PQGPU_CUDA_RESOLVE)
#undef PQGPU_CUDA_RESOLVE
    CUresult r = d->init(0);
    if (r != CUDA_SUCCESS) {
      loaded.whyNot = "no usable CUDA device: " + d->check(r, "cuInit");
      return;
    }
    d->driverGetVersion(&d->driverVersion);
    r = d->deviceGetCount(&d->deviceCount);
    if (r != CUDA_SUCCESS || d->deviceCount < 1) {
      loaded.whyNot = r != CUDA_SUCCESS
                          ? "no CUDA device: " + d->check(r, "cuDeviceGetCount")
                          : std::string("no CUDA device: cuDeviceGetCount "
                                        "says 0");
      return;
    }
    r = d->deviceGet(&d->device, 0);
    if (r != CUDA_SUCCESS) {
      loaded.whyNot = d->check(r, "cuDeviceGet(0)");
      return;
    }
    char name[256] = {};
    if (d->deviceGetName(name, sizeof(name) - 1, d->device) == CUDA_SUCCESS) {
      d->deviceName = name;
    }
    int major = 0, minor = 0;
    d->deviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                          d->device);
    d->deviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                          d->device);
    d->deviceGetAttribute(&d->smCount, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                          d->device);
    d->sm = major * 10 + minor;
    r = d->primaryCtxRetain(&d->context, d->device);
    if (r != CUDA_SUCCESS) {
      loaded.whyNot = d->check(r, "cuDevicePrimaryCtxRetain");
      return;
    }
    loaded.driver = d;
  });
  if (!loaded.driver) {
    whyNot = loaded.whyNot;
    return nullptr;
  }
  CUresult r = loaded.driver->ctxSetCurrent(loaded.driver->context);
  if (r != CUDA_SUCCESS) {
    whyNot = loaded.driver->check(r, "cuCtxSetCurrent");
    return nullptr;
  }
  return loaded.driver;
}

} // namespace pqgpu
