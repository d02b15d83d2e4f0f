//===- DriverMissingTest.cpp - libpqrt without a CUDA driver --------------===//
//
// The driver is dlopen'ed, so a machine without one must get NoDriver with
// a message saying so, from the table loader and from the process-wide
// driver alike, and an incomplete library must be rejected by name.
//
//===----------------------------------------------------------------------===//

#include "DriverPresence.h"
#include "driver/Driver.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

TEST(DriverMissing, AMissingLibraryIsNoDriver) {
  driver::CudaDriver table;
  void *handle = reinterpret_cast<void *>(1);
  Status status =
      driver::openDriverLibrary("libpqrt-no-such-driver.so.1", table, handle);
  EXPECT_EQ(status.code, StatusCode::NoDriver);
  EXPECT_EQ(status.message.rfind("no CUDA driver: libpqrt-no-such-driver.so.1 "
                                 "could not be loaded (",
                                 0),
            0u)
      << status.message;
  EXPECT_EQ(handle, nullptr);
  EXPECT_EQ(table.cuInit, nullptr);
}

TEST(DriverMissing, ALibraryWithoutTheSymbolsIsNoDriver) {
  driver::CudaDriver table;
  void *handle = nullptr;
  Status status = driver::openDriverLibrary("libm.so.6", table, handle);
  EXPECT_EQ(status.code, StatusCode::NoDriver);
  EXPECT_NE(status.message.find("it lacks cuInit, cuDriverGetVersion"),
            std::string::npos)
      << status.message;
  EXPECT_NE(status.message.find("cuMemFree_v2"), std::string::npos);
  // Optional symbols are not demanded, nor the host tools' entries.
  EXPECT_EQ(status.message.find("cuLaunchKernelEx"), std::string::npos);
  EXPECT_EQ(status.message.find("cuStreamCreate"), std::string::npos);
  EXPECT_EQ(status.message.find("cuEventElapsedTime"), std::string::npos);
  EXPECT_EQ(handle, nullptr);
  EXPECT_EQ(table.cuInit, nullptr);
}

TEST(DriverMissing, TheProcessDriverReportsNoDriver) {
  if (driverLibraryPresent()) {
    GTEST_SKIP() << "libcuda.so.1 is present on this machine";
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    const driver::CudaDriver *cuda = reinterpret_cast<driver::CudaDriver *>(1);
    Status status = driver::getDriver(cuda);
    EXPECT_EQ(status.code, StatusCode::NoDriver);
    EXPECT_EQ(status.message.rfind(
                  "no CUDA driver: libcuda.so.1 could not be loaded (", 0),
              0u)
        << status.message;
    EXPECT_EQ(cuda, nullptr);
  }
}

TEST(DriverMissing, NamesEachMissingHostEntry) {
  driver::CudaDriver table;
  const std::string missing = driver::missingHostSymbols(table);
  EXPECT_EQ(missing.rfind("cuDeviceGetName, cuCtxSetCurrent, ", 0), 0u)
      << missing;
  EXPECT_NE(missing.find(", cuGraphDestroy, cuMemHostAlloc, cuMemFreeHost, "
                         "cuMemHostGetDevicePointer_v2, cuStreamWaitValue32_v2, "
                         "cuEventElapsedTime_v2"),
            std::string::npos)
      << missing;
  // Only the host entries: what libpqrt needs is checked when it opens.
  EXPECT_EQ(missing.find("cuInit"), std::string::npos);
}

TEST(DriverMissing, DescribesResultsWithoutATable) {
  EXPECT_EQ(driver::describeCuda(nullptr, CUDA_ERROR_INVALID_VALUE),
            "CUresult 1");
}

} // namespace
} // namespace test
} // namespace pqrt
