//===- CudaBackend.cpp - The GPU tests on a real device --------------------===//
//
// Device memory from cuMemAlloc, copies that are complete when they return,
// one non-blocking stream for the runs, and CUDA graphs captured in the
// global mode, the strictest one: a libpqrt run that made an unsafe call
// (allocation, synchronization) would break the capture.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "CudaDriver.h"

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

private:
  std::unique_ptr<pqrt::Indexer> indexer;
  CUstream stream;
};

class CudaBackend : public Backend {
public:
  explicit CudaBackend(CudaDriver *cuda) : cuda(cuda) {}
  ~CudaBackend() override {
    dropGraph();
    if (stream) {
      cuda->streamSynchronize(stream);
      cuda->streamDestroy(stream);
    }
  }

  std::string init() {
    // Non-blocking: nothing on the legacy stream can join a capture. Copies
    // are synchronous (uploads wait for the legacy stream, downloads follow
    // a synchronize of this stream), so no implicit ordering is needed.
    return cuda->check(cuda->streamCreate(&stream, CU_STREAM_NON_BLOCKING),
                       "cuStreamCreate");
  }

  std::string description() const override {
    std::ostringstream out;
    out << "CUDA device 0: " << cuda->deviceName << " (sm_" << cuda->sm
        << ", " << cuda->smCount << " SMs), driver " << cuda->driverVersion / 1000
        << "." << (cuda->driverVersion % 1000) / 10 << ", "
        << cuda->deviceCount << " device(s)";
    return out.str();
  }
  bool isGpu() const override { return true; }
  int sm() const override { return cuda->sm; }
  int smCount() const override { return cuda->smCount; }

  std::string alloc(size_t bytes, DevPtr &out) override {
    CUdeviceptr pointer = 0;
    std::string error = cuda->check(cuda->memAlloc(&pointer, bytes ? bytes : 1),
                                    "cuMemAlloc");
    if (!error.empty()) {
      return error + " (" + std::to_string(bytes) + " bytes)";
    }
    out = pointer;
    return std::string();
  }
  void release(DevPtr pointer) override {
    if (pointer) {
      cuda->memFree(CUdeviceptr(pointer));
    }
  }
  std::string brokenReason() const override { return broken; }

  std::string upload(DevPtr dst, const void *src, size_t bytes) override {
    std::string error = cuda->check(
        cuda->memcpyHtoD(CUdeviceptr(dst), src, bytes), "cuMemcpyHtoD");
    if (error.empty()) {
      // A pageable copy may return before its DMA lands; the legacy stream
      // holds it. Waiting here keeps every upload complete on return.
      error = cuda->check(cuda->streamSynchronize(nullptr),
                          "cuStreamSynchronize(legacy stream)");
    }
    return noteBroken(error);
  }
  std::string download(void *dst, DevPtr src, size_t bytes) override {
    return noteBroken(cuda->check(
        cuda->memcpyDtoH(dst, CUdeviceptr(src), bytes), "cuMemcpyDtoH"));
  }
  std::string synchronize() override {
    return noteBroken(
        cuda->check(cuda->streamSynchronize(stream), "cuStreamSynchronize"));
  }

  std::string createRunner(const pqrt::Bundle &bundle, int64_t maxBatch,
                           std::unique_ptr<Runner> &out) override {
    try {
      auto indexer = std::make_unique<pqrt::Indexer>(bundle, 0, maxBatch);
      out = std::make_unique<CudaRunner>(std::move(indexer), stream);
      return std::string();
    } catch (const pqrt::Error &error) {
      return std::string("pqrt_indexer_create: ") + error.what();
    }
  }

  std::string beginCapture() override {
    dropGraph();
    return cuda->check(
        cuda->streamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL),
        "cuStreamBeginCapture");
  }
  std::string endCapture() override {
    std::string error =
        cuda->check(cuda->streamEndCapture(stream, &graph), "cuStreamEndCapture");
    if (error.empty()) {
      error = cuda->check(cuda->graphInstantiate(&exec, graph, 0),
                          "cuGraphInstantiate");
    }
    return error;
  }
  std::string replay() override {
    if (!exec) {
      return "replay: no instantiated graph";
    }
    return cuda->check(cuda->graphLaunch(exec, stream), "cuGraphLaunch");
  }
  void dropGraph() override {
    if (exec) {
      cuda->graphExecDestroy(exec);
      exec = nullptr;
    }
    if (graph) {
      cuda->graphDestroy(graph);
      graph = nullptr;
    }
  }

private:
  CudaDriver *cuda;
  std::string broken;

  const std::string &noteBroken(const std::string &error) {
    if (!error.empty() && broken.empty()) {
      broken = error;
    }
    return error;
  }

  CUstream stream = nullptr;
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
};

} // namespace

std::unique_ptr<Backend> makeCudaBackend(std::string &whyNot) {
  CudaDriver *cuda = CudaDriver::get(whyNot);
  if (!cuda) {
    return nullptr;
  }
  // libpqrt must see the same driver and device.
  int count = 0;
  pqrt_status status = pqrt_device_count(&count);
  if (status != PQRT_OK) {
    whyNot = std::string("libpqrt sees no device: ") +
             pqrt_status_name(status) + ": " + pqrt_last_error();
    return nullptr;
  }
  auto backend = std::make_unique<CudaBackend>(cuda);
  whyNot = backend->init();
  if (!whyNot.empty()) {
    return nullptr;
  }
  return backend;
}

} // namespace pqgpu
