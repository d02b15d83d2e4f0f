//===- Device.cpp - What the indexer needs to know about a GPU ------------===//

#include "Device.h"

#include <string>

namespace pqrt {
namespace indexer {

Status queryDevice(const driver::CudaDriver &cuda, int ordinal,
                   DeviceInfo &out) {
  int count = 0;
  Status status = driver::checkCuda(cuda, cuda.cuDeviceGetCount(&count),
                                    "cuDeviceGetCount");
  if (!status.ok()) {
    return status;
  }
  if (ordinal < 0 || ordinal >= count) {
    return {StatusCode::NoDevice,
            "device: ordinal " + std::to_string(ordinal) + " is not in [0, " +
                std::to_string(count) + "); " + std::to_string(count) +
                " CUDA device(s) present"};
  }
  out = DeviceInfo();
  out.ordinal = ordinal;
  status = driver::checkCuda(cuda, cuda.cuDeviceGet(&out.device, ordinal),
                             "cuDeviceGet");
  int major = 0;
  int minor = 0;
  int cluster = 0;
  const struct {
    CUdevice_attribute attribute;
    int *value;
  } queries[] = {
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &major},
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &minor},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
       &out.sharedMemoryOptIn},
  };
  for (const auto &query : queries) {
    if (status.ok()) {
      status = driver::checkCuda(
          cuda,
          cuda.cuDeviceGetAttribute(query.value, query.attribute, out.device),
          "cuDeviceGetAttribute");
    }
  }
  // Drivers that predate clusters do not know the attribute: no clusters.
  if (cuda.cuDeviceGetAttribute(&cluster, CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH,
                                out.device) != CUDA_SUCCESS) {
    cluster = 0;
  }
  out.sm = major * 10 + minor;
  out.clusterLaunch = cluster != 0;
  return status;
}

} // namespace indexer
} // namespace pqrt
