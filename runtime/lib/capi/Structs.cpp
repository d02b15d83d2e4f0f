//===- Structs.cpp - struct_size checks of the C API ----------------------===//

#include "Structs.h"

namespace pqrt {
namespace capi {

namespace {

std::string str(size_t value) { return std::to_string(value); }

std::string libraryVersion() {
  return "libpqrt " + std::to_string(PQRT_VERSION_MAJOR) + "." +
         std::to_string(PQRT_VERSION_MINOR);
}

} // namespace

Status checkStructSize(const char *arg, const char *type, size_t given,
                       size_t firstSize, size_t knownSize) {
  const std::string field = std::string(arg) + ".struct_size: ";
  const std::string init = std::string(type) + "_init";
  if (given == 0) {
    return Status::invalid(field + "is 0; set it to sizeof(" + type + ") (" +
                           init + " does) before filling the struct");
  }
  if (given < firstSize) {
    return Status::invalid(field + str(given) + " is less than " +
                           str(firstSize) + ", the smallest " + type +
                           " (version 1.0); set it with " + init);
  }
  if (given > kMaxStructSize) {
    return Status::invalid(field + str(given) + " is not the size of a " +
                           type + " (" + libraryVersion() + "'s has " +
                           str(knownSize) + " bytes); set it with " + init);
  }
  return Status::success();
}

Status checkUnknownFieldsZero(const char *arg, const char *type,
                              const void *data, size_t given,
                              size_t knownSize) {
  const auto *bytes = static_cast<const unsigned char *>(data);
  for (size_t i = knownSize; i < given; ++i) {
    if (bytes[i] != 0) {
      return Status::invalid(
          std::string(arg) + ": byte " + str(i) + " of the caller's " + type +
          " (struct_size " + str(given) + ") is set, but " + libraryVersion() +
          " knows only its first " + str(knownSize) +
          " bytes; the caller uses a field of a newer pqrt.h than this "
          "library");
    }
  }
  return Status::success();
}

} // namespace capi
} // namespace pqrt
