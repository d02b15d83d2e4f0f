//===- DriverPresence.h - Can this process see libcuda? ---------*- C++ -*-===//

#ifndef PQ_TEST_UNIT_SUPPORT_DRIVERPRESENCE_H
#define PQ_TEST_UNIT_SUPPORT_DRIVERPRESENCE_H

#include <dlfcn.h>

namespace pqrt {
namespace test {

/// True when dlopen("libcuda.so.1") would succeed here (a real driver, or
/// the mock on the mock tests' LD_LIBRARY_PATH). Tests of the no-driver
/// path skip themselves then.
inline bool driverLibraryPresent() {
  void *handle = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (handle) {
    dlclose(handle);
  }
  return handle != nullptr;
}

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_SUPPORT_DRIVERPRESENCE_H
