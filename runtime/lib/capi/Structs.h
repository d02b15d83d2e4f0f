//===- Structs.h - Checked copies of the caller's C structs -----*- C++ -*-===//
//
// pqrt.h "Versions and struct sizes": every struct crosses the C boundary
// through readStruct (the library reads it) or checkWritable + writeStruct
// (the library fills it), so no call reads or writes past the caller's
// struct_size bytes, whichever header the caller was built with.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_CAPI_STRUCTS_H
#define PQRT_LIB_CAPI_STRUCTS_H

#include "pqrt/Config.h"
#include "pqrt/pqrt.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace pqrt {
namespace capi {

/// No pqrt struct comes near this; a larger struct_size is garbage.
constexpr size_t kMaxStructSize = 4096;

/// The C name and the size in version 1.0 (the first with struct_size: the
/// smallest struct a caller may pass) of each struct.
template <typename T> struct StructTraits;
template <> struct StructTraits<pqrt_config> {
  static constexpr const char *name = "pqrt_config";
  static constexpr size_t firstSize =
      offsetof(pqrt_config, index_type) + sizeof(pqrt_dtype);
};
template <> struct StructTraits<pqrt_step> {
  static constexpr const char *name = "pqrt_step";
  static constexpr size_t firstSize =
      offsetof(pqrt_step, weight_list) + sizeof(void *);
};
template <> struct StructTraits<pqrt_bundle_info> {
  static constexpr const char *name = "pqrt_bundle_info";
  static constexpr size_t firstSize =
      offsetof(pqrt_bundle_info, num_images) + sizeof(int);
};
template <> struct StructTraits<pqrt_build> {
  static constexpr const char *name = "pqrt_build";
  // New in 1.1: its first size is its 1.1 size.
  static constexpr size_t firstSize =
      offsetof(pqrt_build, iterations) + sizeof(int64_t *);
};
template <> struct StructTraits<pqrt_outputs> {
  static constexpr const char *name = "pqrt_outputs";
  static constexpr size_t firstSize =
      offsetof(pqrt_outputs, weight_list) + sizeof(void *);
};

/// InvalidArgument naming `arg` when `given` is not a struct_size this
/// library accepts for a struct of `knownSize` bytes (see pqrt.h).
Status checkStructSize(const char *arg, const char *type, size_t given,
                       size_t firstSize, size_t knownSize);
/// InvalidArgument when a byte of [knownSize, given) of `data` is not zero:
/// the caller set fields this library does not know.
Status checkUnknownFieldsZero(const char *arg, const char *type,
                              const void *data, size_t given, size_t knownSize);

/// Copies the caller's struct `in` (argument `arg`) into `out` in this
/// library's layout: fields the caller's struct lacks are zero.
template <typename T> Status readStruct(const char *arg, const T *in, T &out) {
  using Traits = StructTraits<T>;
  if (!in) {
    return Status::invalid(std::string(arg) + ": is null");
  }
  const size_t given = in->struct_size;
  Status status =
      checkStructSize(arg, Traits::name, given, Traits::firstSize, sizeof(T));
  if (status.ok()) {
    status = checkUnknownFieldsZero(arg, Traits::name, in, given, sizeof(T));
  }
  if (status.ok()) {
    std::memset(static_cast<void *>(&out), 0, sizeof(T));
    std::memcpy(static_cast<void *>(&out), in, std::min(given, sizeof(T)));
    out.struct_size = sizeof(T);
  }
  return status;
}

/// Checks that the library may fill the caller's struct `out`.
template <typename T> Status checkWritable(const char *arg, const T *out) {
  using Traits = StructTraits<T>;
  if (!out) {
    return Status::invalid(std::string(arg) + ": is null");
  }
  return checkStructSize(arg, Traits::name, out->struct_size, Traits::firstSize,
                         sizeof(T));
}

/// Fills a struct accepted by checkWritable: the fields both layouts have,
/// zeros in the caller's fields this library does not know; struct_size
/// stays the caller's.
template <typename T> void writeStruct(T *out, const T &value) {
  const size_t given = out->struct_size;
  std::memcpy(static_cast<void *>(out), &value, std::min(given, sizeof(T)));
  out->struct_size = given;
  if (given > sizeof(T)) {
    std::memset(reinterpret_cast<char *>(out) + sizeof(T), 0,
                given - sizeof(T));
  }
}

} // namespace capi
} // namespace pqrt

#endif // PQRT_LIB_CAPI_STRUCTS_H
