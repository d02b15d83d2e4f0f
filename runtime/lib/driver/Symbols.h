//===- Symbols.h - The CUDA driver entry points libpqrt uses ----*- C++ -*-===//
//
// The one list of driver functions, written as X-macros so that the table
// struct, the dlsym loop and the error messages all come from it (the idea of
// IREE's cuda_dynamic_symbol_table.h). Names are the ABI symbols: where cuda.h
// maps a name to a versioned one (cuMemAlloc -> cuMemAlloc_v2) the versioned
// name is listed, so dlsym finds exactly the function cuda.h declares.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_DRIVER_SYMBOLS_H
#define PQRT_LIB_DRIVER_SYMBOLS_H

/// Entry points every supported driver has; a missing one means no driver.
#define PQRT_CUDA_REQUIRED_SYMBOLS(X)                                          \
  X(cuInit)                                                                    \
  X(cuDriverGetVersion)                                                        \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuDevicePrimaryCtxRelease_v2)                                              \
  X(cuCtxPushCurrent_v2)                                                       \
  X(cuCtxPopCurrent_v2)                                                        \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuMemAlloc_v2)                                                             \
  X(cuMemFree_v2)

/// What host programs built on libpqrt's table (tools/host: pq-run, pq-bench,
/// the GPU tests) need beyond the indexer: libpqrt allocates nothing per call
/// and launches on the caller's stream, so they own memory, streams, events
/// and graphs. Listing them here keeps one dlopen and one table per process.
/// libpqrt itself never calls them, so they are resolved like the optional
/// ones (null when absent) and a driver without them still runs indexers;
/// the host layer refuses such a driver, naming what it lacks
/// (missingHostSymbols). All exist since CUDA 11.4.
#define PQRT_CUDA_HOST_SYMBOLS(X)                                              \
  X(cuDeviceGetName)                                                           \
  X(cuCtxSetCurrent)                                                           \
  X(cuMemcpyHtoDAsync_v2)                                                      \
  X(cuMemcpyDtoHAsync_v2)                                                      \
  X(cuMemcpyDtoDAsync_v2)                                                      \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy_v2)                                                        \
  X(cuStreamSynchronize)                                                       \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy_v2)                                                         \
  X(cuEventRecord)                                                             \
  X(cuStreamBeginCapture_v2)                                                   \
  X(cuStreamEndCapture)                                                        \
  X(cuGraphInstantiateWithFlags)                                               \
  X(cuGraphLaunch)                                                             \
  X(cuGraphExecDestroy)                                                        \
  X(cuGraphDestroy)                                                            \
  X(cuMemHostAlloc)                                                            \
  X(cuMemFreeHost)                                                             \
  X(cuMemHostGetDevicePointer_v2)                                              \
  X(cuStreamWaitValue32_v2)

/// Entry points of newer drivers (cuLaunchKernelEx: CUDA 11.8); null when
/// absent, and only the features that need them fail.
#define PQRT_CUDA_OPTIONAL_SYMBOLS(X) X(cuLaunchKernelEx)

/// Host entry points whose ABI name changed without a change of signature:
/// X(name, older name). The member is the newest ABI name; a driver that
/// predates it is asked for the older one (cuda.h 12.8+ maps
/// cuEventElapsedTime to _v2, which older drivers lack). Null with neither.
#define PQRT_CUDA_HOST_RENAMED_SYMBOLS(X)                                      \
  X(cuEventElapsedTime_v2, cuEventElapsedTime)

#endif // PQRT_LIB_DRIVER_SYMBOLS_H
