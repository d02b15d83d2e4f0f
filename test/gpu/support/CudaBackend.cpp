//===- CudaBackend.cpp - The GPU tests on a real device --------------------===//
//
// Device 0 through the host layer (tools/host, pqhost/Cuda.h) over libpqrt's
// own driver table and primary context: buffers from cuMemAlloc, copies that
// are complete when they return, one non-blocking stream for the runs, and
// CUDA graphs captured in the global mode, the strictest one: a libpqrt run
// that made an unsafe call (allocation, synchronization) would break the
// capture.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"

#include "pqhost/Cuda.h"

#include <map>
#include <sstream>

namespace pqgpu {

namespace {

class CudaRunner : public Runner {
public:
  CudaRunner(std::unique_ptr<pqrt::Indexer> indexer, CUstream stream)
      : indexer(std::move(indexer)), stream(stream) {}

  pqrt_status run(const pqrt_step &step, std::string &message) override {
    pqrt_status status = indexer->tryRun(step, stream);
    message = status == PQRT_OK ? std::string() : pqrt_last_error();
    return status;
  }

  pqrt_status build(const pqrt_build &build, std::string &message) override {
    pqrt_status status = indexer->tryBuild(build, stream);
    message = status == PQRT_OK ? std::string() : pqrt_last_error();
    return status;
  }

private:
  std::unique_ptr<pqrt::Indexer> indexer;
  CUstream stream;
};

/// "" for Ok, else the status's message.
std::string text(const pqrt::Status &status) {
  return status.ok() ? std::string() : status.message;
}

class CudaBackend : public Backend {
public:
  ~CudaBackend() override {
    graph.reset();
    if (stream.get()) {
      stream.synchronize();
    }
    buffers.clear(); // before the stream and the device go
  }

  std::string init() {
    std::string error = text(device.open(0));
    if (error.empty()) {
      error = text(pqhost::deviceCount(deviceCount));
    }
    if (error.empty()) {
      error = text(pqhost::driverVersion(driverVersion));
    }
    if (error.empty()) {
      error = text(stream.create());
    }
    return error;
  }

  std::string description() const override {
    std::ostringstream out;
    out << "CUDA device 0: " << device.name() << " (sm_" << device.sm() << ", "
        << device.smCount() << " SMs), driver " << driverVersion / 1000 << "."
        << (driverVersion % 1000) / 10 << ", " << deviceCount << " device(s)";
    return out.str();
  }
  bool isGpu() const override { return true; }
  int sm() const override { return device.sm(); }
  int smCount() const override { return device.smCount(); }

  std::string alloc(size_t bytes, DevPtr &out) override {
    auto buffer = std::make_unique<pqhost::Buffer>();
    // One byte at least: the harness takes pointer 0 for "no buffer".
    std::string error =
        text(buffer->allocate(bytes ? bytes : 1, "pq-gpu-tests buffer"));
    if (!error.empty()) {
      return error;
    }
    out = buffer->get();
    buffers[out] = std::move(buffer);
    return std::string();
  }
  void release(DevPtr pointer) override { buffers.erase(pointer); }
  std::string brokenReason() const override { return broken; }

  std::string upload(DevPtr dst, const void *src, size_t bytes) override {
    pqhost::Buffer *buffer = find(dst);
    return noteBroken(
        buffer ? text(buffer->upload(src, bytes, stream, dst - buffer->get()))
               : unknown("upload", dst));
  }
  std::string download(void *dst, DevPtr src, size_t bytes) override {
    pqhost::Buffer *buffer = find(src);
    return noteBroken(
        buffer
            ? text(buffer->download(dst, bytes, stream, src - buffer->get()))
            : unknown("download", src));
  }
  std::string synchronize() override {
    return noteBroken(text(stream.synchronize()));
  }

  std::string createRunner(const pqrt::Bundle &bundle, int64_t maxBatch,
                           std::unique_ptr<Runner> &out) override {
    try {
      auto indexer = std::make_unique<pqrt::Indexer>(bundle, 0, maxBatch);
      out = std::make_unique<CudaRunner>(std::move(indexer), stream.get());
      return std::string();
    } catch (const pqrt::Error &error) {
      return std::string("pqrt_indexer_create: ") + error.what();
    }
  }

  std::string beginCapture() override {
    return text(graph.beginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL));
  }
  std::string endCapture() override { return text(graph.endCapture(stream)); }
  std::string replay() override { return text(graph.launch(stream)); }
  void dropGraph() override { graph.reset(); }

private:
  /// The buffer holding `pointer`: the harness passes interior pointers
  /// too (misaligned views of a buffer).
  pqhost::Buffer *find(DevPtr pointer) {
    auto it = buffers.upper_bound(pointer);
    if (it == buffers.begin()) {
      return nullptr;
    }
    --it;
    pqhost::Buffer *buffer = it->second.get();
    return pointer - buffer->get() < buffer->size() ? buffer : nullptr;
  }
  static std::string unknown(const char *what, DevPtr pointer) {
    return std::string(what) + ": " + std::to_string(pointer) +
           " is not a buffer of this backend";
  }
  const std::string &noteBroken(const std::string &error) {
    if (!error.empty() && broken.empty()) {
      broken = error;
    }
    return error;
  }

  // Declaration order is destruction order in reverse: buffers, graph and
  // stream go before the device's hold on the context.
  pqhost::Device device;
  pqhost::Stream stream;
  pqhost::Graph graph;
  std::map<DevPtr, std::unique_ptr<pqhost::Buffer>> buffers;
  int deviceCount = 0;
  int driverVersion = 0;
  std::string broken;
};

} // namespace

std::unique_ptr<Backend> makeCudaBackend(std::string &whyNot) {
  auto backend = std::make_unique<CudaBackend>();
  whyNot = backend->init();
  if (!whyNot.empty()) {
    return nullptr;
  }
  // libpqrt must see the same driver and device (it does: one table).
  int count = 0;
  pqrt_status status = pqrt_device_count(&count);
  if (status != PQRT_OK) {
    whyNot = std::string("libpqrt sees no device: ") +
             pqrt_status_name(status) + ": " + pqrt_last_error();
    return nullptr;
  }
  return backend;
}

} // namespace pqgpu
