//===- Table.h - libpqrt's driver table for the host layer ------*- C++ -*-===//
//
// Private to tools/host: the host layer calls the driver through libpqrt's
// process-wide table (runtime/lib/driver), the one dlopen of libcuda.so.1.
//
//===----------------------------------------------------------------------===//

#ifndef PQHOST_TABLE_H
#define PQHOST_TABLE_H

#include "driver/Driver.h"

#include <string>

namespace pqhost {
namespace detail {

using pqrt::driver::CudaDriver;

/// The table, or NoDriver / NoDevice / DriverError from loading it, or
/// NoDriver when the driver lacks a host entry point (libpqrt's indexers
/// would still run on it; the tools cannot).
pqrt::Status table(const CudaDriver *&out);

/// The table for destructors: null when it is not usable (then nothing was
/// created through it either).
inline const CudaDriver *tableOrNull() {
  const CudaDriver *cuda = nullptr;
  return table(cuda).ok() ? cuda : nullptr;
}

/// Ok, or DriverError "<what>: CUDA_ERROR_X (text)".
inline pqrt::Status check(const CudaDriver &cuda, CUresult result,
                          const std::string &what) {
  return pqrt::driver::checkCuda(cuda, result, what);
}

} // namespace detail
} // namespace pqhost

#endif // PQHOST_TABLE_H
