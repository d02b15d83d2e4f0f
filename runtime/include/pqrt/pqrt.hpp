//===- pqrt.hpp - C++ RAII wrapper over the pqrt C API ----------*- C++ -*-===//
//
// Header-only and thin: owning handles that destroy themselves, and failures
// thrown as pqrt::Error (status + message). Everything goes through pqrt.h,
// so a program using this header depends only on libpqrt's C ABI.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_PQRT_HPP
#define PQRT_PQRT_HPP

#include "pqrt/pqrt.h"

#include <memory>
#include <stdexcept>
#include <string>

namespace pqrt {

/// A failed pqrt call: the status and pqrt_last_error()'s message.
class Error : public std::runtime_error {
public:
  Error(pqrt_status status, const std::string &message)
      : std::runtime_error(std::string(pqrt_status_name(status)) + ": " +
                           message),
        status(status) {}
  pqrt_status getStatus() const { return status; }

private:
  pqrt_status status;
};

/// Throws Error unless `status` is PQRT_OK.
inline void check(pqrt_status status) {
  if (status != PQRT_OK) {
    throw Error(status, pqrt_last_error());
  }
}

/// An owned, parsed .pqmod bundle.
class Bundle {
public:
  static Bundle fromFile(const std::string &path) {
    pqrt_bundle *raw = nullptr;
    check(pqrt_bundle_load_file(path.c_str(), &raw));
    return Bundle(raw);
  }
  static Bundle fromMemory(const void *data, size_t size) {
    pqrt_bundle *raw = nullptr;
    check(pqrt_bundle_load_memory(data, size, &raw));
    return Bundle(raw);
  }

  pqrt_bundle_info info() const {
    pqrt_bundle_info out;
    pqrt_bundle_info_init(&out);
    check(pqrt_bundle_get_info(get(), &out));
    return out;
  }
  pqrt_config config() const {
    pqrt_config out;
    pqrt_config_init(&out);
    check(pqrt_bundle_get_config(get(), &out));
    return out;
  }
  /// The status of pqrt_bundle_validate_step (no throw): PQRT_OK or why not.
  pqrt_status validate(int64_t maxBatch, const pqrt_step &step) const {
    return pqrt_bundle_validate_step(get(), maxBatch, &step);
  }
  /// The status of pqrt_bundle_validate_build (no throw).
  pqrt_status validateBuild(int64_t maxBatch, const pqrt_build &build) const {
    return pqrt_bundle_validate_build(get(), maxBatch, &build);
  }
  /// Whether the bundle carries the index build (pqrt_indexer_build).
  bool hasBuild() const { return info().has_build != 0; }
  const pqrt_bundle *get() const { return handle.get(); }

private:
  struct Deleter {
    void operator()(pqrt_bundle *b) const { pqrt_bundle_destroy(b); }
  };
  explicit Bundle(pqrt_bundle *raw) : handle(raw) {}
  std::unique_ptr<pqrt_bundle, Deleter> handle;
};

/// An owned indexer: a bundle loaded on one GPU.
class Indexer {
public:
  /// maxBatch 0: the module's static batch.
  Indexer(const Bundle &bundle, int device, int64_t maxBatch = 0) {
    pqrt_indexer *raw = nullptr;
    check(pqrt_indexer_create(bundle.get(), device, maxBatch, &raw));
    handle.reset(raw);
  }

  /// Enqueues one step on `stream` (a CUstream or cudaStream_t); throws on
  /// a rejected argument or a failed launch.
  void run(const pqrt_step &step, void *stream = nullptr) const {
    check(pqrt_indexer_run(handle.get(), &step, stream));
  }
  /// Like run, but returns the status instead of throwing.
  pqrt_status tryRun(const pqrt_step &step, void *stream = nullptr) const {
    return pqrt_indexer_run(handle.get(), &step, stream);
  }
  /// Enqueues the index build on `stream` (device buffers; num_cached on
  /// the host); throws on a rejected argument or a failed launch.
  void build(const pqrt_build &build, void *stream = nullptr) const {
    check(pqrt_indexer_build(handle.get(), &build, stream));
  }
  /// Like build, but returns the status instead of throwing.
  pqrt_status tryBuild(const pqrt_build &build, void *stream = nullptr) const {
    return pqrt_indexer_build(handle.get(), &build, stream);
  }
  const pqrt_indexer *get() const { return handle.get(); }

private:
  struct Deleter {
    void operator()(pqrt_indexer *i) const { pqrt_indexer_destroy(i); }
  };
  std::unique_ptr<pqrt_indexer, Deleter> handle;
};

/// Whether the loaded libpqrt serves code built with this header
/// (pqrt_version_compatible of pqrt_get_version()).
inline bool libraryCompatible() {
  return pqrt_version_compatible(pqrt_get_version()) != 0;
}

/// Number of CUDA devices, 0 when there is no driver or no device.
inline int deviceCount() {
  int count = 0;
  return pqrt_device_count(&count) == PQRT_OK ? count : 0;
}

} // namespace pqrt

#endif // PQRT_PQRT_HPP
