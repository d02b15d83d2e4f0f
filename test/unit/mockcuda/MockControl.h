//===- MockControl.h - Reaching the mock driver from a test -----*- C++ -*-===//

#ifndef PQ_TEST_UNIT_MOCKCUDA_MOCKCONTROL_H
#define PQ_TEST_UNIT_MOCKCUDA_MOCKCONTROL_H

#include "MockCuda.h"

#include <dlfcn.h>

namespace pqrt {
namespace test {

/// The mock's control functions, found in the libcuda.so.1 that libpqrt
/// opens (the mock, via the test's LD_LIBRARY_PATH). ok() is false when the
/// library found is not the mock.
struct MockControl {
  decltype(&mockcuda_reset) reset = nullptr;
  decltype(&mockcuda_set_devices) setDevices = nullptr;
  decltype(&mockcuda_set_param_count) setParamCount = nullptr;
  decltype(&mockcuda_fail_next) failNext = nullptr;
  decltype(&mockcuda_count) count = nullptr;
  decltype(&mockcuda_launch) launch = nullptr;
  decltype(&mockcuda_last_image) lastImage = nullptr;
  decltype(&mockcuda_func_attribute) funcAttribute = nullptr;
  decltype(&mockcuda_last_alloc_size) lastAllocSize = nullptr;
  decltype(&mockcuda_last_alloc_address) lastAllocAddress = nullptr;
  decltype(&mockcuda_primary_context) primaryContext = nullptr;

  MockControl() {
    void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      return;
    }
    resolve(handle, "mockcuda_reset", reset);
    resolve(handle, "mockcuda_set_devices", setDevices);
    resolve(handle, "mockcuda_set_param_count", setParamCount);
    resolve(handle, "mockcuda_fail_next", failNext);
    resolve(handle, "mockcuda_count", count);
    resolve(handle, "mockcuda_launch", launch);
    resolve(handle, "mockcuda_last_image", lastImage);
    resolve(handle, "mockcuda_func_attribute", funcAttribute);
    resolve(handle, "mockcuda_last_alloc_size", lastAllocSize);
    resolve(handle, "mockcuda_last_alloc_address", lastAllocAddress);
    resolve(handle, "mockcuda_primary_context", primaryContext);
  }
  bool ok() const { return reset && primaryContext; }

private:
  template <typename Fn> static void resolve(void *h, const char *n, Fn &f) {
    f = reinterpret_cast<Fn>(dlsym(h, n));
  }
};

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_MOCKCUDA_MOCKCONTROL_H
