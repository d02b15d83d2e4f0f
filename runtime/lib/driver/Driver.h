//===- Driver.h - The dlopen'ed CUDA driver ---------------------*- C++ -*-===//
//
// libpqrt never links libcuda: it opens libcuda.so.1 at first use and
// resolves the table of Symbols.h, so it builds and links anywhere and
// reports a clean NoDriver status on machines without a driver. cuda.h is
// included for its types only.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_DRIVER_DRIVER_H
#define PQRT_LIB_DRIVER_DRIVER_H

#include "Symbols.h"
#include "pqrt/Config.h"

#include <cuda.h>

#include <string>

namespace pqrt {
namespace driver {

/// The soname of the driver library.
constexpr const char *kDriverLibrary = "libcuda.so.1";

/// Function pointers of the driver, one member per symbol of Symbols.h.
struct CudaDriver {
#define PQRT_CUDA_MEMBER(name) decltype(&::name) name = nullptr;
#define PQRT_CUDA_RENAMED_MEMBER(name, older) PQRT_CUDA_MEMBER(name)
  PQRT_CUDA_REQUIRED_SYMBOLS(PQRT_CUDA_MEMBER)
  PQRT_CUDA_OPTIONAL_SYMBOLS(PQRT_CUDA_MEMBER)
  PQRT_CUDA_HOST_SYMBOLS(PQRT_CUDA_MEMBER)
  PQRT_CUDA_HOST_RENAMED_SYMBOLS(PQRT_CUDA_RENAMED_MEMBER)
#undef PQRT_CUDA_RENAMED_MEMBER
#undef PQRT_CUDA_MEMBER
};

/// Opens `library` and resolves the table; touches no global state, so tests
/// can point it at missing or incomplete libraries. On success `handle` is
/// the dlopen handle, which the caller owns; on failure it is null and the
/// status is NoDriver naming the library and what was missing.
Status openDriverLibrary(const char *library, CudaDriver &table, void *&handle);

/// The process-wide driver, opened and cuInit'ed once (thread-safe). On
/// failure `out` is null and every later call returns the same status:
/// NoDriver without a usable libcuda.so.1, NoDevice when cuInit finds no
/// device, DriverError for other cuInit failures. Never unloaded.
Status getDriver(const CudaDriver *&out);

/// The host entry points (PQRT_CUDA_HOST_SYMBOLS and the renamed ones) the
/// table lacks, comma-separated; empty when it has them all.
std::string missingHostSymbols(const CudaDriver &cuda);

/// Ok for CUDA_SUCCESS, else DriverError "<what>: CUDA_ERROR_X (text)".
Status checkCuda(const CudaDriver &cuda, CUresult result,
                 const std::string &what);
/// The same for a literal: no string is built on success (per-call paths).
Status checkCuda(const CudaDriver &cuda, CUresult result, const char *what);

/// "CUDA_ERROR_X (text)" for any result, also without a usable table.
std::string describeCuda(const CudaDriver *cuda, CUresult result);

} // namespace driver
} // namespace pqrt

#endif // PQRT_LIB_DRIVER_DRIVER_H
