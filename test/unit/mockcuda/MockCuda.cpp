//===- MockCuda.cpp - A fake CUDA driver for libpqrt's tests --------------===//
//
// Implements only what libpqrt's symbol table lists, with the signatures of
// cuda.h (so the exported names are the versioned ABI names, e.g.
// cuMemAlloc_v2). Contexts are a per-thread stack, as in the real driver;
// module loads, launches, allocations and copies need a current context, so
// a missing push in libpqrt shows up as CUDA_ERROR_INVALID_CONTEXT.
// Allocations are tracked (a copy must stay inside a live one, a free must
// name one) and keep their bytes, so uploads and downloads round-trip.
// Stream capture records launches into the graph instead of running them and
// refuses what the real driver refuses under global capture (allocation,
// freeing, synchronizing the capturing stream); a graph launch replays them.
//
//===----------------------------------------------------------------------===//

#include "MockCuda.h"

#include <cuda.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

struct Function {
  std::string name;
  std::map<int, int> attributes;
};

struct Module {
  std::string text;
  std::vector<Function *> functions;
};

struct Allocation {
  size_t size = 0;
  std::vector<unsigned char> bytes; // grown at the first copy into it
};

struct Graph {
  std::vector<MockLaunch> launches;
};

struct State {
  std::mutex mutex;
  std::map<uint64_t, Allocation> allocations; // by start address
  std::map<CUstream, Graph *> capturing;      // stream -> graph being built
  uintptr_t nextHandle = 0x100;               // streams, events, graphs
  int deviceCount = 1;
  MockDevice device = {9, 0, 232448, 1};
  int paramCount = 0;
  std::map<std::string, std::pair<CUresult, std::string>> failures;
  std::map<std::string, int> counters;
  std::vector<MockLaunch> launches;
  std::string lastImage;
  std::map<std::string, Function *> functions; // interned by name
  size_t lastAllocSize = 0;
  uint64_t lastAllocAddress = 0;
  uint64_t nextAddress = 0x7f0000000000ull;
};

State &state() {
  static State *s = new State; // never destroyed: libpqrt may call late
  return *s;
}

thread_local std::vector<CUcontext> contextStack;

CUcontext primaryContext(int ordinal) {
  return reinterpret_cast<CUcontext>(uintptr_t(0x1000 + 0x10 * ordinal));
}

/// The injected result for `function`, consumed; CUDA_SUCCESS if none.
CUresult injected(State &s, const char *function, std::string *log = nullptr) {
  auto it = s.failures.find(function);
  if (it == s.failures.end()) {
    return CUDA_SUCCESS;
  }
  CUresult result = it->second.first;
  if (log) {
    *log = it->second.second;
  }
  s.failures.erase(it);
  return result;
}

CUresult recordLaunch(CUfunction f, const unsigned grid[3],
                      const unsigned block[3], unsigned smem, CUstream stream,
                      void **params, const unsigned cluster[3], int extended) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  CUresult failure =
      injected(s, extended ? "cuLaunchKernelEx" : "cuLaunchKernel");
  if (failure != CUDA_SUCCESS) {
    return failure;
  }
  MockLaunch launch = {};
  const Function *function = reinterpret_cast<const Function *>(f);
  std::strncpy(launch.function, function->name.c_str(),
               sizeof(launch.function) - 1);
  for (int i = 0; i < 3; ++i) {
    launch.grid[i] = grid[i];
    launch.block[i] = block[i];
    launch.cluster[i] = cluster[i];
  }
  launch.smem = smem;
  launch.stream = stream;
  launch.context = contextStack.back();
  launch.extended = extended;
  launch.paramCount = s.paramCount;
  for (int i = 0; i < s.paramCount && i < 64; ++i) {
    std::memcpy(&launch.params[i], params[i], 8);
  }
  auto capture = s.capturing.find(stream);
  if (capture != s.capturing.end()) {
    capture->second->launches.push_back(launch);
    ++s.counters["captured_launches"];
    return CUDA_SUCCESS;
  }
  s.launches.push_back(launch);
  ++s.counters["launches"];
  return CUDA_SUCCESS;
}

/// The bytes of [address, address + bytes) inside one live allocation, or
/// null when the range is not.
unsigned char *deviceBytes(State &s, CUdeviceptr address, size_t bytes) {
  auto it = s.allocations.upper_bound(uint64_t(address));
  if (it == s.allocations.begin()) {
    return nullptr;
  }
  --it;
  const uint64_t offset = uint64_t(address) - it->first;
  if (offset > it->second.size || bytes > it->second.size - offset) {
    return nullptr;
  }
  it->second.bytes.resize(it->second.size);
  return it->second.bytes.data() + offset;
}

/// What the real driver says to allocation, freeing or synchronization
/// while a stream is captured in the global mode.
bool anyCapture(const State &s) { return !s.capturing.empty(); }

CUresult copy(const char *function, void *to, const void *from, size_t bytes,
              CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  CUresult failure = injected(s, function);
  if (failure != CUDA_SUCCESS) {
    return failure;
  }
  if (s.capturing.count(stream)) {
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED; // not needed by the tools
  }
  ++s.counters["copies"];
  std::memmove(to, from, bytes);
  return CUDA_SUCCESS;
}

CUresult newHandle(State &s, void **out) {
  *out = reinterpret_cast<void *>(s.nextHandle);
  s.nextHandle += 0x10;
  return CUDA_SUCCESS;
}

} // namespace

extern "C" {

//===--------------------------- control API ------------------------------===//

void mockcuda_reset(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  int live = s.counters["live_modules"];
  s.counters.clear();
  s.counters["live_modules"] = live;
  s.launches.clear();
  s.failures.clear();
  s.lastImage.clear();
  s.deviceCount = 1;
  s.device = {9, 0, 232448, 1};
  s.paramCount = 0;
  for (auto &entry : s.functions) {
    entry.second->attributes.clear();
  }
  s.lastAllocSize = 0;
  s.lastAllocAddress = 0;
  s.capturing.clear();
}

void mockcuda_set_devices(int count, MockDevice device) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.deviceCount = count;
  s.device = device;
}

void mockcuda_set_param_count(int count) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.paramCount = count;
}

void mockcuda_fail_next(const char *function, int result, const char *log) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.failures[function] = {CUresult(result), log ? log : ""};
}

int mockcuda_count(const char *counter) {
  if (std::string(counter) == "ctx_depth") {
    return int(contextStack.size());
  }
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.counters[counter];
}

const MockLaunch *mockcuda_launch(int index) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (index < 0 || size_t(index) >= s.launches.size()) {
    return nullptr;
  }
  return &s.launches[size_t(index)];
}

const char *mockcuda_last_image(void) { return state().lastImage.c_str(); }

int mockcuda_func_attribute(const char *function, int attribute) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto f = s.functions.find(function);
  if (f == s.functions.end()) {
    return -1;
  }
  auto a = f->second->attributes.find(attribute);
  return a == f->second->attributes.end() ? -1 : a->second;
}

size_t mockcuda_last_alloc_size(void) { return state().lastAllocSize; }
uint64_t mockcuda_last_alloc_address(void) { return state().lastAllocAddress; }
void *mockcuda_primary_context(int ordinal) { return primaryContext(ordinal); }

//===--------------------------- driver API -------------------------------===//

CUresult CUDAAPI cuInit(unsigned int) { return CUDA_SUCCESS; }

CUresult CUDAAPI cuDriverGetVersion(int *version) {
  *version = CUDA_VERSION;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
  case CUDA_SUCCESS:
    *name = "CUDA_SUCCESS";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_PTX:
    *name = "CUDA_ERROR_INVALID_PTX";
    return CUDA_SUCCESS;
  case CUDA_ERROR_OUT_OF_MEMORY:
    *name = "CUDA_ERROR_OUT_OF_MEMORY";
    return CUDA_SUCCESS;
  case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES:
    *name = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_CONTEXT:
    *name = "CUDA_ERROR_INVALID_CONTEXT";
    return CUDA_SUCCESS;
  default:
    *name = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char **text) {
  const char *name = nullptr;
  CUresult result = cuGetErrorName(error, &name);
  *text = name ? "mock error text" : nullptr;
  return result;
}

CUresult CUDAAPI cuDeviceGetCount(int *count) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  *count = s.deviceCount;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (ordinal < 0 || ordinal >= s.deviceCount) {
    return CUDA_ERROR_INVALID_DEVICE;
  }
  *device = ordinal;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int *value, CUdevice_attribute attribute,
                                      CUdevice) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  switch (attribute) {
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    *value = s.device.major;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
    *value = s.device.minor;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
    *value = s.device.sharedMemoryOptIn;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH:
    *value = s.device.clusterLaunch;
    return CUDA_SUCCESS;
  default:
    *value = 0;
    return CUDA_SUCCESS;
  }
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.counters["ctx_retains"];
  *context = primaryContext(device);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.counters["ctx_releases"];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxPushCurrent(CUcontext context) {
  contextStack.push_back(context);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxPopCurrent(CUcontext *context) {
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  *context = contextStack.back();
  contextStack.pop_back();
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleLoadDataEx(CUmodule *module, const void *image,
                                    unsigned int numOptions,
                                    CUjit_option *options, void **values) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  s.lastImage = static_cast<const char *>(image);
  std::string log;
  CUresult failure = injected(s, "cuModuleLoadDataEx", &log);
  if (failure != CUDA_SUCCESS) {
    char *buffer = nullptr;
    size_t size = 0;
    for (unsigned i = 0; i < numOptions; ++i) {
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER) {
        buffer = static_cast<char *>(values[i]);
      } else if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) {
        size = reinterpret_cast<uintptr_t>(values[i]);
      }
    }
    if (buffer && size > 0) {
      std::strncpy(buffer, log.c_str(), size - 1);
      buffer[std::min(size - 1, log.size())] = '\0';
    }
    return failure;
  }
  Module *loaded = new Module;
  loaded->text = s.lastImage;
  ++s.counters["module_loads"];
  ++s.counters["live_modules"];
  *module = reinterpret_cast<CUmodule>(loaded);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleUnload(CUmodule module) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  delete reinterpret_cast<Module *>(module);
  ++s.counters["module_unloads"];
  --s.counters["live_modules"];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction *function, CUmodule module,
                                     const char *name) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const Module *m = reinterpret_cast<const Module *>(module);
  if (m->text.find(name) == std::string::npos) {
    return CUDA_ERROR_NOT_FOUND;
  }
  Function *&interned = s.functions[name];
  if (!interned) {
    interned = new Function{name, {}};
  }
  *function = reinterpret_cast<CUfunction>(interned);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuFuncSetAttribute(CUfunction function,
                                    CUfunction_attribute attribute, int value) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  CUresult failure = injected(s, "cuFuncSetAttribute");
  if (failure != CUDA_SUCCESS) {
    return failure;
  }
  reinterpret_cast<Function *>(function)->attributes[attribute] = value;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gridDimX,
                                unsigned int gridDimY, unsigned int gridDimZ,
                                unsigned int blockDimX, unsigned int blockDimY,
                                unsigned int blockDimZ,
                                unsigned int sharedMemBytes, CUstream hStream,
                                void **kernelParams, void **) {
  const unsigned grid[3] = {gridDimX, gridDimY, gridDimZ};
  const unsigned block[3] = {blockDimX, blockDimY, blockDimZ};
  const unsigned cluster[3] = {1, 1, 1};
  return recordLaunch(f, grid, block, sharedMemBytes, hStream, kernelParams,
                      cluster, 0);
}

CUresult CUDAAPI cuLaunchKernelEx(const CUlaunchConfig *config, CUfunction f,
                                  void **kernelParams, void **) {
  const unsigned grid[3] = {config->gridDimX, config->gridDimY,
                            config->gridDimZ};
  const unsigned block[3] = {config->blockDimX, config->blockDimY,
                             config->blockDimZ};
  unsigned cluster[3] = {1, 1, 1};
  for (unsigned i = 0; i < config->numAttrs; ++i) {
    if (config->attrs[i].id == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION) {
      cluster[0] = config->attrs[i].value.clusterDim.x;
      cluster[1] = config->attrs[i].value.clusterDim.y;
      cluster[2] = config->attrs[i].value.clusterDim.z;
    }
  }
  return recordLaunch(f, grid, block, config->sharedMemBytes, config->hStream,
                      kernelParams, cluster, 1);
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr *pointer, size_t bytes) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  CUresult failure = injected(s, "cuMemAlloc");
  if (failure != CUDA_SUCCESS) {
    return failure;
  }
  if (anyCapture(s)) {
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  }
  ++s.counters["allocs"];
  s.allocations[s.nextAddress].size = bytes;
  s.lastAllocSize = bytes;
  s.lastAllocAddress = s.nextAddress;
  *pointer = CUdeviceptr(s.nextAddress);
  s.nextAddress += (bytes + 0xffff) & ~uint64_t(0xffff);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr pointer) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  if (anyCapture(s)) {
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  }
  if (s.allocations.erase(uint64_t(pointer)) == 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  ++s.counters["frees"];
  return CUDA_SUCCESS;
}

//===---------------- what host programs add (tools/host) -----------------===//

CUresult CUDAAPI cuDeviceGetName(char *name, int length, CUdevice device) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (device < 0 || device >= s.deviceCount || length < 1) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  std::snprintf(name, size_t(length), "Mock GPU %d", int(device));
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext context) {
  // As the driver: replaces the top of the stack; null pops it.
  if (!contextStack.empty()) {
    contextStack.pop_back();
  }
  if (context) {
    contextStack.push_back(context);
  }
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr to, const void *from,
                                   size_t bytes, CUstream stream) {
  unsigned char *device = nullptr;
  {
    State &s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    device = deviceBytes(s, to, bytes);
  }
  return device ? copy("cuMemcpyHtoDAsync", device, from, bytes, stream)
                : CUDA_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuMemcpyDtoHAsync(void *to, CUdeviceptr from, size_t bytes,
                                   CUstream stream) {
  unsigned char *device = nullptr;
  {
    State &s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    device = deviceBytes(s, from, bytes);
  }
  return device ? copy("cuMemcpyDtoHAsync", to, device, bytes, stream)
                : CUDA_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr to, CUdeviceptr from,
                                   size_t bytes, CUstream stream) {
  unsigned char *target = nullptr, *source = nullptr;
  {
    State &s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    target = deviceBytes(s, to, bytes);
    source = deviceBytes(s, from, bytes);
  }
  return target && source
             ? copy("cuMemcpyDtoDAsync", target, source, bytes, stream)
             : CUDA_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuStreamCreate(CUstream *stream, unsigned int) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  ++s.counters["streams"];
  return newHandle(s, reinterpret_cast<void **>(stream));
}

CUresult CUDAAPI cuStreamDestroy(CUstream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  --s.counters["streams"];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamSynchronize(CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  CUresult failure = injected(s, "cuStreamSynchronize");
  if (failure != CUDA_SUCCESS) {
    return failure;
  }
  if (anyCapture(s)) {
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  }
  (void)stream;
  ++s.counters["syncs"];
  return CUDA_SUCCESS;
}

/// Pinned host memory is plain heap memory whose device address is itself
/// (the mock runs nothing on a device).
CUresult CUDAAPI cuMemHostAlloc(void **pointer, size_t bytes, unsigned int) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (contextStack.empty()) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  ++s.counters["host_allocs"];
  *pointer = std::calloc(1, bytes ? bytes : 1);
  return *pointer ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

CUresult CUDAAPI cuMemFreeHost(void *pointer) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.counters["host_frees"];
  std::free(pointer);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemHostGetDevicePointer(CUdeviceptr *device, void *host,
                                           unsigned int) {
  *device = CUdeviceptr(reinterpret_cast<uintptr_t>(host));
  return CUDA_SUCCESS;
}

/// Work runs at enqueue in the mock, so a wait only counts; the gate's word
/// is still below the ticket here (the host opens it after enqueueing).
CUresult CUDAAPI cuStreamWaitValue32(CUstream, CUdeviceptr address,
                                     cuuint32_t value, unsigned int flags) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  CUresult failure = injected(s, "cuStreamWaitValue32");
  if (failure != CUDA_SUCCESS) {
    return failure;
  }
  ++s.counters["stream_waits"];
  const auto *word = reinterpret_cast<const uint32_t *>(uintptr_t(address));
  if (flags == CU_STREAM_WAIT_VALUE_GEQ && *word < value) {
    ++s.counters["stream_waits_pending"];
  }
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventCreate(CUevent *event, unsigned int) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.counters["events"];
  return newHandle(s, reinterpret_cast<void **>(event));
}

CUresult CUDAAPI cuEventDestroy(CUevent) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  --s.counters["events"];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventRecord(CUevent, CUstream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.counters["event_records"];
  return CUDA_SUCCESS;
}

/// cuda.h maps the name to cuEventElapsedTime_v2: a 12.8+ driver. Every
/// interval is a quarter millisecond.
CUresult CUDAAPI cuEventElapsedTime(float *ms, CUevent, CUevent) {
  *ms = 0.25f;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamBeginCapture(CUstream stream, CUstreamCaptureMode) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.capturing.count(stream)) {
    return CUDA_ERROR_ILLEGAL_STATE;
  }
  s.capturing[stream] = new Graph;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamEndCapture(CUstream stream, CUgraph *graph) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.capturing.find(stream);
  if (it == s.capturing.end()) {
    return CUDA_ERROR_ILLEGAL_STATE;
  }
  *graph = reinterpret_cast<CUgraph>(it->second);
  s.capturing.erase(it);
  ++s.counters["graphs"];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphInstantiateWithFlags(CUgraphExec *exec, CUgraph graph,
                                             unsigned long long) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  *exec = reinterpret_cast<CUgraphExec>(
      new Graph(*reinterpret_cast<Graph *>(graph)));
  ++s.counters["graph_execs"];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphLaunch(CUgraphExec exec, CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (MockLaunch launch : reinterpret_cast<Graph *>(exec)->launches) {
    launch.stream = stream;
    s.launches.push_back(launch);
    ++s.counters["launches"];
  }
  ++s.counters["graph_launches"];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphExecDestroy(CUgraphExec exec) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  delete reinterpret_cast<Graph *>(exec);
  --s.counters["graph_execs"];
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphDestroy(CUgraph graph) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  delete reinterpret_cast<Graph *>(graph);
  --s.counters["graphs"];
  return CUDA_SUCCESS;
}

} // extern "C"
