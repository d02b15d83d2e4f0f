//===- Table.cpp - libpqrt's driver table for the host layer --------------===//

#include "Table.h"

namespace pqhost {
namespace detail {

pqrt::Status table(const CudaDriver *&out) {
  // Decided once, like the table itself.
  static const pqrt::Status status = [] {
    const CudaDriver *cuda = nullptr;
    pqrt::Status loaded = pqrt::driver::getDriver(cuda);
    if (!loaded.ok()) {
      return loaded;
    }
    std::string missing = pqrt::driver::missingHostSymbols(*cuda);
    if (!missing.empty()) {
      return pqrt::Status{pqrt::StatusCode::NoDriver,
                          "CUDA driver too old for the host tools: "
                          "libcuda.so.1 lacks " +
                              missing};
    }
    return pqrt::Status::success();
  }();
  out = nullptr;
  if (status.ok()) {
    pqrt::driver::getDriver(out);
  }
  return status;
}

} // namespace detail
} // namespace pqhost
