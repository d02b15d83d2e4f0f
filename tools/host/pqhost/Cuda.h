//===- Cuda.h - Device, memory, streams, events and graphs ------*- C++ -*-===//
//
// The one RAII layer over libpqrt's CUDA driver table for the host programs
// of this repository (pq-run, pq-bench, pq-gpu-tests). libpqrt allocates
// nothing per call and launches on the caller's stream, so these programs
// own device memory, streams, timing events and graphs; they get them here,
// through the same dlopen'ed table and the same primary-context retain that
// libpqrt uses (runtime/lib/driver), never a second copy of libcuda. Not
// part of libpqrt's installed API: link pqhost_cuda, which brings libpqrt
// statically (one table per process needs one copy of libpqrt).
//
// Every call returns a pqrt::Status: NoDriver / NoDevice as libpqrt reports
// them, DriverError "<call>(<what>): CUDA_ERROR_X (text)" otherwise.
//
//===----------------------------------------------------------------------===//

#ifndef PQHOST_CUDA_H
#define PQHOST_CUDA_H

#include "pqrt/Config.h"

#include <cuda.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pqrt {
namespace driver {
class PrimaryContext;
} // namespace driver
} // namespace pqrt

namespace pqhost {

/// Ok once libcuda.so.1 is open and cuInit succeeded (libpqrt's answer).
pqrt::Status driverStatus();
/// The number of CUDA devices.
pqrt::Status deviceCount(int &count);
/// cuDriverGetVersion: 13000 for CUDA 13.0.
pqrt::Status driverVersion(int &version);

/// Device `ordinal`'s primary context -- the one libpqrt launches in, held
/// through libpqrt's single retain per device -- current on the thread that
/// opened it.
class Device {
public:
  Device();
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  /// NoDevice when `ordinal` is not a device.
  pqrt::Status open(int ordinal);
  /// Makes the context current on the calling thread (open() does it for
  /// its own thread).
  pqrt::Status makeCurrent() const;

  int ordinal() const { return index; }
  int sm() const { return smVersion; } // 90 for sm_90
  int smCount() const { return multiprocessors; }
  const std::string &name() const { return deviceName; }
  CUcontext context() const;

private:
  std::shared_ptr<const pqrt::driver::PrimaryContext> primary;
  int index = -1;
  int smVersion = 0;
  int multiprocessors = 0;
  std::string deviceName;
};

class Stream;

/// Device memory of a fixed size in the current context; 0 bytes holds no
/// allocation (pointer 0). Copies run on a stream, so they are ordered with
/// the kernels on it whatever its flags (a plain cuMemcpyHtoD runs on the
/// legacy stream, which a non-blocking stream does not wait for).
class Buffer {
public:
  Buffer() = default;
  ~Buffer();
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;

  /// Frees what the buffer held, then allocates `bytes`; `what` names the
  /// buffer in messages.
  pqrt::Status allocate(size_t bytes, const char *what);
  /// Copies the whole buffer from / to the host on `stream` and waits.
  pqrt::Status upload(const void *host, const Stream &stream);
  pqrt::Status download(void *host, const Stream &stream) const;
  /// `bytes` from `offset` on only (within size()).
  pqrt::Status upload(const void *host, size_t bytes, const Stream &stream,
                      size_t offset = 0);
  pqrt::Status download(void *host, size_t bytes, const Stream &stream,
                        size_t offset = 0) const;
  /// Enqueues a copy of `source`'s first size() bytes on `stream` without
  /// waiting (timed by pq-bench's bandwidth probe).
  pqrt::Status enqueueCopyFrom(const Buffer &source,
                               const Stream &stream) const;

  CUdeviceptr get() const { return pointer; }
  void *ptr() const { return reinterpret_cast<void *>(pointer); }
  size_t size() const { return bytes; }

private:
  void release();

  CUdeviceptr pointer = 0;
  size_t bytes = 0;
  std::string label;
};

/// A non-blocking stream of the current context: nothing on the legacy
/// stream joins its work or its captures.
class Stream {
public:
  Stream() = default;
  ~Stream();
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  pqrt::Status create();
  /// Waits for the stream; reports an asynchronous failure of its kernels.
  pqrt::Status synchronize() const;
  CUstream get() const { return stream; }

private:
  CUstream stream = nullptr;
};

/// A timing event.
class Event {
public:
  Event() = default;
  ~Event();
  Event(const Event &) = delete;
  Event &operator=(const Event &) = delete;

  pqrt::Status create();
  pqrt::Status record(const Stream &stream) const;
  CUevent get() const { return event; }

private:
  CUevent event = nullptr;
};

/// Milliseconds between two recorded, completed events.
pqrt::Status elapsedMs(const Event &start, const Event &stop, float &ms);

/// Holds a stream at a point until the host opens it: the stream waits
/// (cuStreamWaitValue32) for a pinned host word to reach a ticket. Work
/// enqueued behind a held gate queues up, so events around it time the
/// device alone even when enqueueing a call takes longer than running it (a
/// minimal launch). Hold it for a few hundred enqueues at most: a full
/// launch queue would block the host while the gate is shut.
class Gate {
public:
  Gate() = default;
  ~Gate();
  Gate(const Gate &) = delete;
  Gate &operator=(const Gate &) = delete;

  /// Needs a current context; DriverError where the device cannot wait on
  /// host memory (the caller then times without a gate).
  pqrt::Status create();
  bool ready() const { return word != nullptr; }
  /// Enqueues a wait for the next ticket on `stream`.
  pqrt::Status hold(const Stream &stream);
  /// Opens the gate of the last hold().
  void open();

private:
  volatile uint32_t *word = nullptr;
  CUdeviceptr deviceWord = 0;
  uint32_t ticket = 0;
};

/// The most enqueue calls timeEnqueued holds behind a gate.
constexpr int64_t kMaxGatedCalls = 256;

/// Device time of `count` back-to-back calls of `enqueue` (each returning a
/// pqrt::Status) on `stream`: events around them, then a stream sync. With a
/// ready `gate` and count <= kMaxGatedCalls, the calls are enqueued behind
/// it and the gate opened after the stop event (device time even when the
/// host is slower than the device); `gated` says whether it was, and
/// `hostUs` gets the host clock per enqueue call (gated: the host's own cost
/// of a call, nothing waits for the device meanwhile).
template <typename Enqueue>
pqrt::Status timeEnqueued(const Stream &stream, const Event &start,
                          const Event &stop, int64_t count, Enqueue enqueue,
                          float &ms, Gate *gate = nullptr,
                          bool *gated = nullptr, double *hostUs = nullptr) {
  const bool useGate = gate && gate->ready() && count <= kMaxGatedCalls;
  pqrt::Status status = useGate ? gate->hold(stream) : pqrt::Status::success();
  if (status.ok()) {
    status = start.record(stream);
  }
  const auto began = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < count && status.ok(); ++i) {
    status = enqueue();
  }
  if (hostUs) {
    *hostUs = std::chrono::duration<double, std::micro>(
                  std::chrono::steady_clock::now() - began)
                  .count() /
              double(count > 0 ? count : 1);
  }
  if (status.ok()) {
    status = stop.record(stream);
  }
  if (useGate) {
    gate->open(); // on every path, before anything waits for the stream
  }
  if (gated) {
    *gated = useGate;
  }
  if (status.ok()) {
    status = stream.synchronize();
  }
  if (status.ok()) {
    status = elapsedMs(start, stop, ms);
  }
  return status;
}

/// An instantiated graph captured from a stream.
class Graph {
public:
  Graph() = default;
  ~Graph();
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;

  /// Starts capturing `stream`: what is enqueued on it until endCapture
  /// becomes the graph instead of running. `mode` is the driver's: global
  /// (the strictest: an unsafe call on any thread breaks the capture, what
  /// the GPU tests want) or thread-local (pq-bench). Drops a previous graph.
  pqrt::Status beginCapture(const Stream &stream, CUstreamCaptureMode mode);
  /// Ends the capture and instantiates the graph. Call it even when the
  /// enqueueing failed, so the stream leaves capture mode.
  pqrt::Status endCapture(const Stream &stream);
  /// Enqueues one replay; InvalidArgument before a graph was instantiated.
  pqrt::Status launch(const Stream &stream) const;
  bool ready() const { return exec != nullptr; }
  /// Destroys the graph (also done by beginCapture and the destructor).
  void reset();

private:
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
};

} // namespace pqhost

#endif // PQHOST_CUDA_H
