//===- CudaHost.h - Device memory, streams, events and graphs ---*- C++ -*-===//
//
// What the host tools (pq-run, pq-bench) need from the CUDA driver beyond
// libpqrt: libpqrt allocates nothing per call and takes the caller's stream,
// so the tools own device buffers, a stream, timing events and graphs. Like
// libpqrt, this opens libcuda.so.1 with dlopen (cuda.h for types only) and
// never links the CUDA runtime, so the tools build and start anywhere and
// report a clean status without a driver.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_PQRUN_CUDAHOST_H
#define PQ_TOOLS_PQRUN_CUDAHOST_H

#include "pqrt/Config.h"

#include <cuda.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace pqrun {
namespace cuda {

/// The driver functions the tools call, one member per entry of
/// PQRUN_CUDA_SYMBOLS in CudaHost.cpp.
struct Api {
  decltype(&::cuInit) init = nullptr;
  decltype(&::cuGetErrorName) getErrorName = nullptr;
  decltype(&::cuGetErrorString) getErrorString = nullptr;
  decltype(&::cuDeviceGet) deviceGet = nullptr;
  decltype(&::cuDeviceGetName) deviceGetName = nullptr;
  decltype(&::cuDeviceGetAttribute) deviceGetAttribute = nullptr;
  decltype(&::cuDevicePrimaryCtxRetain) primaryCtxRetain = nullptr;
  decltype(&::cuDevicePrimaryCtxRelease) primaryCtxRelease = nullptr;
  decltype(&::cuCtxSetCurrent) ctxSetCurrent = nullptr;
  decltype(&::cuMemAlloc) memAlloc = nullptr;
  decltype(&::cuMemFree) memFree = nullptr;
  decltype(&::cuMemcpyHtoDAsync) memcpyHtoDAsync = nullptr;
  decltype(&::cuMemcpyDtoHAsync) memcpyDtoHAsync = nullptr;
  decltype(&::cuMemcpyDtoDAsync) memcpyDtoDAsync = nullptr;
  decltype(&::cuStreamCreate) streamCreate = nullptr;
  decltype(&::cuStreamDestroy) streamDestroy = nullptr;
  decltype(&::cuStreamSynchronize) streamSynchronize = nullptr;
  decltype(&::cuEventCreate) eventCreate = nullptr;
  decltype(&::cuEventDestroy) eventDestroy = nullptr;
  decltype(&::cuEventRecord) eventRecord = nullptr;
  decltype(&::cuEventElapsedTime) eventElapsedTime = nullptr;
  decltype(&::cuStreamBeginCapture) streamBeginCapture = nullptr;
  decltype(&::cuStreamEndCapture) streamEndCapture = nullptr;
  decltype(&::cuGraphInstantiateWithFlags) graphInstantiate = nullptr;
  decltype(&::cuGraphLaunch) graphLaunch = nullptr;
  decltype(&::cuGraphExecDestroy) graphExecDestroy = nullptr;
  decltype(&::cuGraphDestroy) graphDestroy = nullptr;
};

/// The process-wide table, opened and cuInit'ed once (thread-safe). NoDriver
/// without a usable libcuda.so.1 (or one that lacks a function), NoDevice
/// when cuInit finds none; the message says which.
pqrt::Status getApi(const Api *&out);

/// Ok, or DriverError "<what>: CUDA_ERROR_X (text)".
pqrt::Status check(CUresult result, const std::string &what);

/// Holds device `ordinal`'s primary context -- the one libpqrt launches in
/// -- and makes it current on the calling thread.
class Device {
public:
  Device() = default;
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  pqrt::Status open(int ordinal);
  int ordinal() const { return index; }
  int sm() const { return smVersion; } // 90 for sm_90
  const std::string &name() const { return deviceName; }

private:
  int index = -1;
  CUdevice device = 0;
  CUcontext context = nullptr;
  int smVersion = 0;
  std::string deviceName;
};

class Stream;

/// Device memory of a fixed size; 0 bytes holds no allocation (pointer 0).
class Buffer {
public:
  Buffer() = default;
  ~Buffer();
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;

  pqrt::Status allocate(size_t bytes, const char *what);
  /// Copies on `stream` and waits for it: ordered with the kernels on that
  /// stream whatever its flags (a plain cuMemcpyHtoD runs on the legacy
  /// stream, which a non-blocking stream does not wait for).
  pqrt::Status upload(const void *host, const Stream &stream);
  pqrt::Status download(void *host, const Stream &stream) const;
  CUdeviceptr get() const { return pointer; }
  void *ptr() const { return reinterpret_cast<void *>(pointer); }
  size_t size() const { return bytes; }

private:
  CUdeviceptr pointer = 0;
  size_t bytes = 0;
  std::string label;
};

/// A non-blocking stream of the current context.
class Stream {
public:
  Stream() = default;
  ~Stream();
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  pqrt::Status create();
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

/// Device time of `count` back-to-back calls of `enqueue` (each returning a
/// pqrt::Status) on `stream`: events around them, then a stream sync.
template <typename Enqueue>
pqrt::Status timeEnqueued(const Stream &stream, const Event &start,
                          const Event &stop, int64_t count, Enqueue enqueue,
                          float &ms) {
  pqrt::Status status = start.record(stream);
  for (int64_t i = 0; i < count && status.ok(); ++i) {
    status = enqueue();
  }
  if (status.ok()) {
    status = stop.record(stream);
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

  /// Starts capturing `stream` (thread-local mode): what is enqueued on it
  /// until endCapture becomes the graph instead of running.
  pqrt::Status beginCapture(const Stream &stream);
  /// Ends the capture and instantiates the graph. Call it even when the
  /// enqueueing failed, so the stream leaves capture mode.
  pqrt::Status endCapture(const Stream &stream);
  pqrt::Status launch(const Stream &stream) const;

private:
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
};

} // namespace cuda
} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_CUDAHOST_H
