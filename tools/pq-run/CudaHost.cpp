//===- CudaHost.cpp - Device memory, streams, events and graphs -----------===//
//
// The symbol names are the ABI names cuda.h maps to (cuMemAlloc ->
// cuMemAlloc_v2); where a newer header maps to a version older drivers lack
// (cuEventElapsedTime_v2, CUDA 12.8+), the older name follows as a fallback
// with the same signature.
//
//===----------------------------------------------------------------------===//

#include "CudaHost.h"

#include <dlfcn.h>

#include <mutex>

namespace pqrun {
namespace cuda {

namespace {

using pqrt::Status;
using pqrt::StatusCode;

/// member, ABI name, fallback ABI name (or null).
#define PQRUN_CUDA_SYMBOLS(X)                                                  \
  X(init, "cuInit", nullptr)                                                   \
  X(getErrorName, "cuGetErrorName", nullptr)                                   \
  X(getErrorString, "cuGetErrorString", nullptr)                               \
  X(deviceGet, "cuDeviceGet", nullptr)                                         \
  X(deviceGetName, "cuDeviceGetName", nullptr)                                 \
  X(deviceGetAttribute, "cuDeviceGetAttribute", nullptr)                       \
  X(primaryCtxRetain, "cuDevicePrimaryCtxRetain", nullptr)                     \
  X(primaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", nullptr)                \
  X(ctxSetCurrent, "cuCtxSetCurrent", nullptr)                                 \
  X(memAlloc, "cuMemAlloc_v2", nullptr)                                        \
  X(memFree, "cuMemFree_v2", nullptr)                                          \
  X(memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", nullptr)                          \
  X(memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", nullptr)                          \
  X(memcpyDtoDAsync, "cuMemcpyDtoDAsync_v2", nullptr)                          \
  X(streamCreate, "cuStreamCreate", nullptr)                                   \
  X(streamDestroy, "cuStreamDestroy_v2", nullptr)                              \
  X(streamSynchronize, "cuStreamSynchronize", nullptr)                         \
  X(eventCreate, "cuEventCreate", nullptr)                                     \
  X(eventDestroy, "cuEventDestroy_v2", nullptr)                                \
  X(eventRecord, "cuEventRecord", nullptr)                                     \
  X(eventElapsedTime, "cuEventElapsedTime_v2", "cuEventElapsedTime")           \
  X(streamBeginCapture, "cuStreamBeginCapture_v2", nullptr)                    \
  X(streamEndCapture, "cuStreamEndCapture", nullptr)                           \
  X(graphInstantiate, "cuGraphInstantiateWithFlags", nullptr)                  \
  X(graphLaunch, "cuGraphLaunch", nullptr)                                     \
  X(graphExecDestroy, "cuGraphExecDestroy", nullptr)                           \
  X(graphDestroy, "cuGraphDestroy", nullptr)

template <typename Fn>
bool resolve(void *handle, const char *name, const char *fallback, Fn &slot) {
  slot = reinterpret_cast<Fn>(dlsym(handle, name));
  if (!slot && fallback) {
    slot = reinterpret_cast<Fn>(dlsym(handle, fallback));
  }
  return slot != nullptr;
}

std::string describe(const Api *api, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (api && api->getErrorName) {
    api->getErrorName(result, &name);
    api->getErrorString(result, &text);
  }
  return std::string(name ? name : "CUDA error " + std::to_string(result)) +
         (text ? std::string(" (") + text + ")" : std::string());
}

struct Loaded {
  Api api;
  Status status;
};

Loaded load() {
  Loaded out;
  // The driver stays loaded for the process: destructors of static objects
  // may still free memory through it.
  void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    out.status = {StatusCode::NoDriver,
                  std::string("no CUDA driver: libcuda.so.1 could not be "
                              "loaded (") +
                      (why ? why : "unknown reason") + ")"};
    return out;
  }
#define PQRUN_RESOLVE(member, name, fallback)                                  \
  if (!resolve(handle, name, fallback, out.api.member)) {                      \
    out.status = {StatusCode::NoDriver,                                        \
                  "no usable CUDA driver: libcuda.so.1 lacks " name};          \
    return out;                                                                \
  }
  PQRUN_CUDA_SYMBOLS(PQRUN_RESOLVE)
#undef PQRUN_RESOLVE
  CUresult init = out.api.init(0);
  if (init == CUDA_ERROR_NO_DEVICE) {
    out.status = {StatusCode::NoDevice,
                  "no CUDA device: cuInit: " + describe(&out.api, init)};
  } else if (init != CUDA_SUCCESS) {
    out.status = {StatusCode::DriverError,
                  "cuInit failed: " + describe(&out.api, init)};
  }
  return out;
}

const Loaded &loaded() {
  static const Loaded instance = load();
  return instance;
}

/// The table for destructors: null when it never opened.
const Api *apiOrNull() {
  const Loaded &l = loaded();
  return l.status.ok() ? &l.api : nullptr;
}

} // namespace

Status getApi(const Api *&out) {
  const Loaded &l = loaded();
  out = l.status.ok() ? &l.api : nullptr;
  return l.status;
}

Status check(CUresult result, const std::string &what) {
  if (result == CUDA_SUCCESS) {
    return Status::success();
  }
  return {StatusCode::DriverError, what + ": " + describe(apiOrNull(), result)};
}

//===----------------------------------------------------------------------===//
// Device
//===----------------------------------------------------------------------===//

Device::~Device() {
  if (const Api *api = apiOrNull(); api && context) {
    api->primaryCtxRelease(device);
  }
}

Status Device::open(int ordinal) {
  const Api *api = nullptr;
  Status status = getApi(api);
  if (!status.ok()) {
    return status;
  }
  const std::string which = "device " + std::to_string(ordinal);
  status = check(api->deviceGet(&device, ordinal), "cuDeviceGet(" + which + ")");
  if (status.ok()) {
    status = check(api->primaryCtxRetain(&context, device),
                   "cuDevicePrimaryCtxRetain(" + which + ")");
  }
  if (status.ok()) {
    status = check(api->ctxSetCurrent(context), "cuCtxSetCurrent");
  }
  int major = 0, minor = 0;
  if (status.ok()) {
    status = check(api->deviceGetAttribute(
                       &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                       device),
                   "cuDeviceGetAttribute");
  }
  if (status.ok()) {
    status = check(api->deviceGetAttribute(
                       &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                       device),
                   "cuDeviceGetAttribute");
  }
  char name[256] = {0};
  if (status.ok()) {
    status = check(api->deviceGetName(name, sizeof(name) - 1, device),
                   "cuDeviceGetName");
  }
  if (status.ok()) {
    index = ordinal;
    smVersion = major * 10 + minor;
    deviceName = name;
  }
  return status;
}

//===----------------------------------------------------------------------===//
// Buffer
//===----------------------------------------------------------------------===//

Buffer::~Buffer() {
  if (const Api *api = apiOrNull(); api && pointer) {
    api->memFree(pointer);
  }
}

Status Buffer::allocate(size_t size, const char *what) {
  const Api *api = nullptr;
  Status status = getApi(api);
  if (!status.ok() || size == 0) {
    return status;
  }
  if (pointer) {
    api->memFree(pointer);
    pointer = 0;
  }
  label = what;
  status = check(api->memAlloc(&pointer, size),
                 "cuMemAlloc(" + label + ", " + std::to_string(size) +
                     " bytes)");
  bytes = status.ok() ? size : 0;
  return status;
}

Status Buffer::upload(const void *host, const Stream &stream) {
  const Api *api = nullptr;
  Status status = getApi(api);
  if (!status.ok() || bytes == 0) {
    return status;
  }
  status = check(api->memcpyHtoDAsync(pointer, host, bytes, stream.get()),
                 "cuMemcpyHtoDAsync(" + label + ")");
  return status.ok() ? stream.synchronize() : status;
}

Status Buffer::download(void *host, const Stream &stream) const {
  const Api *api = nullptr;
  Status status = getApi(api);
  if (!status.ok() || bytes == 0) {
    return status;
  }
  status = check(api->memcpyDtoHAsync(host, pointer, bytes, stream.get()),
                 "cuMemcpyDtoHAsync(" + label + ")");
  return status.ok() ? stream.synchronize() : status;
}

//===----------------------------------------------------------------------===//
// Stream and Event
//===----------------------------------------------------------------------===//

Stream::~Stream() {
  if (const Api *api = apiOrNull(); api && stream) {
    api->streamDestroy(stream);
  }
}

Status Stream::create() {
  const Api *api = nullptr;
  Status status = getApi(api);
  if (!status.ok()) {
    return status;
  }
  // Non-blocking: no implicit ordering with the legacy default stream.
  return check(api->streamCreate(&stream, CU_STREAM_NON_BLOCKING),
               "cuStreamCreate");
}

Status Stream::synchronize() const {
  const Api *api = nullptr;
  Status status = getApi(api);
  return status.ok() ? check(api->streamSynchronize(stream),
                             "cuStreamSynchronize")
                     : status;
}

Event::~Event() {
  if (const Api *api = apiOrNull(); api && event) {
    api->eventDestroy(event);
  }
}

Status Event::create() {
  const Api *api = nullptr;
  Status status = getApi(api);
  return status.ok() ? check(api->eventCreate(&event, CU_EVENT_DEFAULT),
                             "cuEventCreate")
                     : status;
}

Status Event::record(const Stream &stream) const {
  const Api *api = nullptr;
  Status status = getApi(api);
  return status.ok() ? check(api->eventRecord(event, stream.get()),
                             "cuEventRecord")
                     : status;
}

Status elapsedMs(const Event &start, const Event &stop, float &ms) {
  const Api *api = nullptr;
  Status status = getApi(api);
  return status.ok() ? check(api->eventElapsedTime(&ms, start.get(),
                                                   stop.get()),
                             "cuEventElapsedTime")
                     : status;
}

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

Graph::~Graph() {
  if (const Api *api = apiOrNull()) {
    if (exec) {
      api->graphExecDestroy(exec);
    }
    if (graph) {
      api->graphDestroy(graph);
    }
  }
}

Status Graph::beginCapture(const Stream &stream) {
  const Api *api = nullptr;
  Status status = getApi(api);
  return status.ok() ? check(api->streamBeginCapture(
                                 stream.get(),
                                 CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                             "cuStreamBeginCapture")
                     : status;
}

Status Graph::endCapture(const Stream &stream) {
  const Api *api = nullptr;
  Status status = getApi(api);
  if (status.ok()) {
    status = check(api->streamEndCapture(stream.get(), &graph),
                   "cuStreamEndCapture");
  }
  if (status.ok()) {
    status = check(api->graphInstantiate(&exec, graph, 0),
                   "cuGraphInstantiateWithFlags");
  }
  return status;
}

Status Graph::launch(const Stream &stream) const {
  const Api *api = nullptr;
  Status status = getApi(api);
  return status.ok() ? check(api->graphLaunch(exec, stream.get()),
                             "cuGraphLaunch")
                     : status;
}

} // namespace cuda
} // namespace pqrun
