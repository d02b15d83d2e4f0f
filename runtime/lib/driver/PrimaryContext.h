//===- PrimaryContext.h - One retain of a primary context -------*- C++ -*-===//
//
// libpqrt's module cache and the host layer of the tools (tools/host) both
// need a device's primary context. They share one retain per device: the
// first user retains it, later users get the same object, and the last one
// to let go releases it. Without this, every loaded module and every tool
// handle held a retain of its own.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_DRIVER_PRIMARYCONTEXT_H
#define PQRT_LIB_DRIVER_PRIMARYCONTEXT_H

#include "Driver.h"

#include <memory>

namespace pqrt {
namespace driver {

/// A retained primary context; released when the last shared_ptr goes.
class PrimaryContext {
public:
  /// Device `ordinal`'s primary context, retained at the first request while
  /// no one holds it (thread-safe). DriverError when cuDeviceGet or the
  /// retain fails; the ordinal is the caller's to range-check.
  static Status acquire(const CudaDriver &cuda, int ordinal,
                        std::shared_ptr<const PrimaryContext> &out);

  ~PrimaryContext();
  PrimaryContext(const PrimaryContext &) = delete;
  PrimaryContext &operator=(const PrimaryContext &) = delete;

  CUdevice device() const { return cuDevice; }
  CUcontext context() const { return cuContext; }
  int ordinal() const { return deviceOrdinal; }

private:
  PrimaryContext(const CudaDriver &cuda, int ordinal)
      : cuda(cuda), deviceOrdinal(ordinal) {}

  const CudaDriver &cuda;
  int deviceOrdinal;
  CUdevice cuDevice = 0;
  CUcontext cuContext = nullptr;
};

} // namespace driver
} // namespace pqrt

#endif // PQRT_LIB_DRIVER_PRIMARYCONTEXT_H
