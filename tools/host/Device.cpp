//===- Device.cpp - A device's primary context for host programs ----------===//
//
// The context comes from libpqrt's PrimaryContext, so a tool and the
// indexers it creates hold the device's primary context once between them.
//
//===----------------------------------------------------------------------===//

#include "pqhost/Cuda.h"

#include "Table.h"
#include "driver/PrimaryContext.h"

namespace pqhost {

using detail::check;
using detail::CudaDriver;
using pqrt::Status;
using pqrt::StatusCode;

Status driverStatus() {
  const CudaDriver *cuda = nullptr;
  return detail::table(cuda);
}

Status deviceCount(int &count) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  count = 0;
  return status.ok() ? check(*cuda, cuda->cuDeviceGetCount(&count),
                             "cuDeviceGetCount")
                     : status;
}

Status driverVersion(int &version) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  version = 0;
  return status.ok() ? check(*cuda, cuda->cuDriverGetVersion(&version),
                             "cuDriverGetVersion")
                     : status;
}

Device::Device() = default;
Device::~Device() = default; // `primary` drops this program's hold

CUcontext Device::context() const {
  return primary ? primary->context() : nullptr;
}

Status Device::open(int ordinal) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  int count = 0;
  if (status.ok()) {
    status = deviceCount(count);
  }
  if (status.ok() && (ordinal < 0 || ordinal >= count)) {
    return {StatusCode::NoDevice, "no CUDA device " + std::to_string(ordinal) +
                                      " (" + std::to_string(count) +
                                      " found)"};
  }
  std::shared_ptr<const pqrt::driver::PrimaryContext> held;
  if (status.ok()) {
    status = pqrt::driver::PrimaryContext::acquire(*cuda, ordinal, held);
  }
  const CUdevice device = held ? held->device() : 0;
  int major = 0, minor = 0, sms = 0;
  const struct {
    CUdevice_attribute attribute;
    int *value;
  } queries[] = {
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &major},
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &minor},
      {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &sms},
  };
  for (const auto &query : queries) {
    if (status.ok()) {
      status = check(*cuda,
                     cuda->cuDeviceGetAttribute(query.value, query.attribute,
                                                device),
                     "cuDeviceGetAttribute");
    }
  }
  char name[256] = {0};
  if (status.ok()) {
    status = check(*cuda, cuda->cuDeviceGetName(name, sizeof(name) - 1, device),
                   "cuDeviceGetName");
  }
  if (status.ok()) {
    status = check(*cuda, cuda->cuCtxSetCurrent(held->context()),
                   "cuCtxSetCurrent");
  }
  if (status.ok()) {
    primary = std::move(held);
    index = ordinal;
    smVersion = major * 10 + minor;
    multiprocessors = sms;
    deviceName = name;
  }
  return status;
}

Status Device::makeCurrent() const {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && !primary) {
    return Status::invalid("device: not open");
  }
  return status.ok() ? check(*cuda, cuda->cuCtxSetCurrent(primary->context()),
                             "cuCtxSetCurrent")
                     : status;
}

} // namespace pqhost
