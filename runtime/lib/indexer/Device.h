//===- Device.h - What the indexer needs to know about a GPU ----*- C++ -*-===//

#ifndef PQRT_LIB_INDEXER_DEVICE_H
#define PQRT_LIB_INDEXER_DEVICE_H

#include "driver/Driver.h"

namespace pqrt {
namespace indexer {

struct DeviceInfo {
  int ordinal = 0;
  CUdevice device = 0;
  int sm = 0;                 // 90 for compute capability 9.0
  int sharedMemoryOptIn = 0;  // the most dynamic smem a block may use
  bool clusterLaunch = false; // thread block clusters (sm_90+)
};

/// NoDevice when `ordinal` is not in [0, count); DriverError when a query
/// fails.
Status queryDevice(const driver::CudaDriver &cuda, int ordinal,
                   DeviceInfo &out);

} // namespace indexer
} // namespace pqrt

#endif // PQRT_LIB_INDEXER_DEVICE_H
