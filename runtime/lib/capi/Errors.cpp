//===- Errors.cpp - Status codes and the thread-local last error ----------===//

#include "CApi.h"

#include <string>

namespace pqrt {
namespace capi {

namespace {

thread_local std::string lastError;

// The C codes mirror StatusCode one to one.
static_assert(int(StatusCode::Ok) == PQRT_OK, "");
static_assert(int(StatusCode::InvalidArgument) == PQRT_INVALID_ARGUMENT, "");
static_assert(int(StatusCode::NoDriver) == PQRT_NO_DRIVER, "");
static_assert(int(StatusCode::NoDevice) == PQRT_NO_DEVICE, "");
static_assert(int(StatusCode::DriverError) == PQRT_DRIVER_ERROR, "");
static_assert(int(StatusCode::BadModule) == PQRT_BAD_MODULE, "");
static_assert(int(StatusCode::Unsupported) == PQRT_UNSUPPORTED, "");
static_assert(int(StatusCode::Mismatch) == PQRT_MISMATCH, "");

} // namespace

pqrt_status finish(const Status &status) {
  // Assigning may allocate; a failure to record must not lose the code.
  try {
    lastError = status.message;
  } catch (...) {
    lastError.clear();
  }
  return static_cast<pqrt_status>(status.code);
}

pqrt_status finishInternal(const std::string &message) {
  try {
    lastError = message;
  } catch (...) {
    lastError.clear();
  }
  return PQRT_INTERNAL_ERROR;
}

Status nullArgument(const char *name) {
  return Status::invalid(std::string(name) + ": is null");
}

} // namespace capi
} // namespace pqrt

extern "C" {

const char *pqrt_last_error(void) { return pqrt::capi::lastError.c_str(); }

uint32_t pqrt_get_version(void) { return PQRT_VERSION; }

const char *pqrt_status_name(pqrt_status status) {
  switch (status) {
  case PQRT_OK:
    return "PQRT_OK";
  case PQRT_INVALID_ARGUMENT:
    return "PQRT_INVALID_ARGUMENT";
  case PQRT_NO_DRIVER:
    return "PQRT_NO_DRIVER";
  case PQRT_NO_DEVICE:
    return "PQRT_NO_DEVICE";
  case PQRT_DRIVER_ERROR:
    return "PQRT_DRIVER_ERROR";
  case PQRT_BAD_MODULE:
    return "PQRT_BAD_MODULE";
  case PQRT_UNSUPPORTED:
    return "PQRT_UNSUPPORTED";
  case PQRT_MISMATCH:
    return "PQRT_MISMATCH";
  case PQRT_INTERNAL_ERROR:
    return "PQRT_INTERNAL_ERROR";
  }
  return "PQRT_UNKNOWN";
}

} // extern "C"
