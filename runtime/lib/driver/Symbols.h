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

/// Entry points of newer drivers (cuLaunchKernelEx: CUDA 11.8); null when
/// absent, and only the features that need them fail.
#define PQRT_CUDA_OPTIONAL_SYMBOLS(X) X(cuLaunchKernelEx)

#endif // PQRT_LIB_DRIVER_SYMBOLS_H
