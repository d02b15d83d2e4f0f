//===- CudaDriver.h - The driver calls the GPU tests make -------*- C++ -*-===//
//
// The GPU tests need device memory, copies, a stream and CUDA graphs around
// libpqrt's launches. Like libpqrt they dlopen libcuda.so.1 (no libcudart, no
// device code) and use cuda.h for its types only. The entry points are named
// by their ABI symbols (cuMemAlloc_v2, cuGraphInstantiateWithFlags, ...), the
// ones cuda.h's macros map the plain names to.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_GPU_SUPPORT_CUDADRIVER_H
#define PQ_TEST_GPU_SUPPORT_CUDADRIVER_H

#include <cuda.h>

#include <string>

namespace pqgpu {

/// (field, ABI symbol). The field's type is the symbol's declared type.
#define PQGPU_CUDA_SYMBOLS(X)                                                  \
  X(init, cuInit)                                                              \
  X(driverGetVersion, cuDriverGetVersion)                                      \
  X(getErrorName, cuGetErrorName)                                              \
  X(getErrorString, cuGetErrorString)                                          \
  X(deviceGetCount, cuDeviceGetCount)                                          \
  X(deviceGet, cuDeviceGet)                                                    \
  X(deviceGetName, cuDeviceGetName)                                            \
  X(deviceGetAttribute, cuDeviceGetAttribute)                                  \
  X(primaryCtxRetain, cuDevicePrimaryCtxRetain)                                \
  X(primaryCtxRelease, cuDevicePrimaryCtxRelease_v2)                           \
  X(ctxSetCurrent, cuCtxSetCurrent)                                            \
  X(memAlloc, cuMemAlloc_v2)                                                   \
  X(memFree, cuMemFree_v2)                                                     \
  X(memcpyHtoD, cuMemcpyHtoD_v2)                                               \
  X(memcpyDtoH, cuMemcpyDtoH_v2)                                               \
  X(streamCreate, cuStreamCreate)                                              \
  X(streamDestroy, cuStreamDestroy_v2)                                         \
  X(streamSynchronize, cuStreamSynchronize)                                    \
  X(streamBeginCapture, cuStreamBeginCapture_v2)                               \
  X(streamEndCapture, cuStreamEndCapture)                                      \
  X(graphInstantiate, cuGraphInstantiateWithFlags)                             \
  X(graphLaunch, cuGraphLaunch)                                                \
  X(graphDestroy, cuGraphDestroy)                                              \
  X(graphExecDestroy, cuGraphExecDestroy)

/// The process-wide driver: libcuda.so.1 opened, every entry point above
/// resolved, cuInit done and device 0's primary context current on the
/// calling thread (the context libpqrt launches in).
class CudaDriver {
public:
#define PQGPU_CUDA_FIELD(field, symbol) decltype(&::symbol) field = nullptr;
  PQGPU_CUDA_SYMBOLS(PQGPU_CUDA_FIELD)
#undef PQGPU_CUDA_FIELD

  CUdevice device = 0;
  CUcontext context = nullptr;
  int deviceCount = 0;
  int sm = 0; // 90 for compute capability 9.0
  int smCount = 0;
  int driverVersion = 0;
  std::string deviceName;

  /// The driver, or null with `whyNot` saying why (no libcuda.so.1, a
  /// missing entry point, cuInit failing, no device). Opened once; later
  /// calls return the same answer. Makes the primary context current on
  /// the calling thread every time.
  static CudaDriver *get(std::string &whyNot);

  /// "CUDA_ERROR_NAME (text)" for a result.
  std::string describe(CUresult result) const;
  /// `what` + ": " + describe(result), or "" for CUDA_SUCCESS.
  std::string check(CUresult result, const char *what) const;

private:
  CudaDriver() = default;
};

} // namespace pqgpu

#endif // PQ_TEST_GPU_SUPPORT_CUDADRIVER_H
