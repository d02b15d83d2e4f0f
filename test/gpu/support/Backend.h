//===- Backend.h - Where the GPU tests run their steps ----------*- C++ -*-===//
//
// The tests talk to "device memory", one stream, an indexer and a CUDA graph
// through this interface. The CUDA backend is the real thing: the host layer
// (pqhost/Cuda.h) over libpqrt's driver table, and libpqrt's indexer
// (pqrt.hpp). The CPU backend keeps the "device" buffers in host memory and
// runs the step with libpqrt's own checks (pqrt_bundle_validate_step) and
// CPU reference: it lets the harness itself be exercised on a machine
// without a GPU (PQ_GPU_TESTS_BACKEND=cpu), and, with a planted fault
// (cpu-faulty:KIND), shows that each check can fail.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_GPU_SUPPORT_BACKEND_H
#define PQ_TEST_GPU_SUPPORT_BACKEND_H

#include "pqrt/pqrt.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pqgpu {

using DevPtr = uint64_t;

/// One indexer (a bundle loaded for the backend's device).
class Runner {
public:
  virtual ~Runner() = default;
  /// pqrt_indexer_run on the backend's stream; `message` gets
  /// pqrt_last_error() when the status is not PQRT_OK.
  virtual pqrt_status run(const pqrt_step &step, std::string &message) = 0;
  /// pqrt_indexer_build on the backend's stream, likewise.
  virtual pqrt_status build(const pqrt_build &build, std::string &message) = 0;
};

/// Every function returning std::string returns "" on success, else what
/// failed.
class Backend {
public:
  virtual ~Backend() = default;
  virtual std::string description() const = 0;
  virtual bool isGpu() const = 0;
  /// The device's sm number (90), 0 for the CPU backend.
  virtual int sm() const = 0;
  virtual int smCount() const = 0;

  virtual std::string alloc(size_t bytes, DevPtr &out) = 0;
  virtual void release(DevPtr pointer) = 0;
  /// Synchronous copies (they complete before returning).
  virtual std::string upload(DevPtr dst, const void *src, size_t bytes) = 0;
  virtual std::string download(void *dst, DevPtr src, size_t bytes) = 0;
  /// Waits for the stream; reports an asynchronous failure of the kernels.
  virtual std::string synchronize() = 0;

  /// Non-empty once a copy or a synchronization failed: on a GPU such an
  /// error (an illegal address, a launch failure) is sticky, every later
  /// call fails too, so the tests stop instead of reporting the echo.
  virtual std::string brokenReason() const { return std::string(); }

  virtual std::string createRunner(const pqrt::Bundle &bundle,
                                   int64_t maxBatch,
                                   std::unique_ptr<Runner> &out) = 0;

  /// Graph of what is enqueued between beginCapture and endCapture on the
  /// stream (endCapture instantiates it); replay launches it once, async.
  virtual std::string beginCapture() = 0;
  virtual std::string endCapture() = 0;
  virtual std::string replay() = 0;
  virtual void dropGraph() = 0;
};

/// The CUDA backend on device 0, or null with `whyNot` (no driver, no
/// device, a missing entry point, ...).
std::unique_ptr<Backend> makeCudaBackend(std::string &whyNot);

/// The CPU backend; `fault` is "" or one of cpuFaultKinds().
std::unique_ptr<Backend> makeCpuBackend(const std::string &fault);

/// "unwritten codes count nondeterministic validation graph capture sticky
/// kmeans" (kmeans: the build's centroids off by 1e-3).
const char *cpuFaultKinds();

} // namespace pqgpu

#endif // PQ_TEST_GPU_SUPPORT_BACKEND_H
