//===- PrimaryContext.cpp - One retain of a device's primary context ------===//
//
// A map of weak references under a mutex, like the module cache: holders
// keep the context alive, and nothing is released from a static destructor.
//
//===----------------------------------------------------------------------===//

#include "PrimaryContext.h"

#include <map>
#include <mutex>
#include <string>

namespace pqrt {
namespace driver {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<int, std::weak_ptr<const PrimaryContext>> contexts;
};

Registry &registry() {
  // Leaked on purpose: no destructor may run after the driver is gone.
  static Registry *instance = new Registry;
  return *instance;
}

} // namespace

Status PrimaryContext::acquire(const CudaDriver &cuda, int ordinal,
                               std::shared_ptr<const PrimaryContext> &out) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (std::shared_ptr<const PrimaryContext> held = r.contexts[ordinal].lock()) {
    out = std::move(held);
    return Status::success();
  }
  std::shared_ptr<PrimaryContext> created(new PrimaryContext(cuda, ordinal));
  const std::string which = "device " + std::to_string(ordinal);
  Status status = checkCuda(cuda, cuda.cuDeviceGet(&created->cuDevice, ordinal),
                            "cuDeviceGet(" + which + ")");
  if (status.ok()) {
    status = checkCuda(
        cuda, cuda.cuDevicePrimaryCtxRetain(&created->cuContext,
                                            created->cuDevice),
        "cuDevicePrimaryCtxRetain(" + which + ")");
  }
  if (!status.ok()) {
    created->cuContext = nullptr; // nothing to release
    r.contexts.erase(ordinal);
    return status;
  }
  r.contexts[ordinal] = created;
  out = std::move(created);
  return Status::success();
}

PrimaryContext::~PrimaryContext() {
  if (cuContext) {
    cuda.cuDevicePrimaryCtxRelease_v2(cuDevice);
  }
}

} // namespace driver
} // namespace pqrt
