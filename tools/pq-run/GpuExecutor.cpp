//===- GpuExecutor.cpp - The step on the GPU through libpqrt --------------===//
//
// One device, one stream, one indexer. run() uploads every buffer, enqueues
// the step with pqrt_indexer_run, waits for the stream and downloads the
// outputs and the codebook. bench() keeps the data on the device and times
// the step alone: wall time of launch + cuStreamSynchronize, and device time
// between CUDA events recorded around it. build() runs the bundle's index
// build (pqrt_indexer_build) when it has one, timed by events, and
// downloads centroids, phi and codebook; without one, the CPU reference's.
//
//===----------------------------------------------------------------------===//

#include "CApiBridge.h"
#include "pqhost/DeviceStep.h"
#include "Executor.h"

#include <chrono>

namespace pqrun {

using pqrt::Status;

namespace {

class GpuExecutor final : public Executor {
public:
  explicit GpuExecutor(std::shared_ptr<const BundleFile> bundle)
      : bundle(std::move(bundle)) {}
  ~GpuExecutor() override { pqrt_indexer_destroy(indexer); }

  Status open(int ordinal) {
    int count = 0;
    // libpqrt's own view first: the executor launches through it.
    Status status = fromC(pqrt_device_count(&count), "");
    if (status.ok() && count <= ordinal) {
      status = {pqrt::StatusCode::NoDevice,
                "no CUDA device " + std::to_string(ordinal) + " (" +
                    std::to_string(count) + " found)"};
    }
    if (status.ok()) {
      status = device.open(ordinal);
    }
    if (status.ok()) {
      status = stream.create();
    }
    if (status.ok()) {
      status = start.create();
    }
    if (status.ok()) {
      status = stop.create();
    }
    return status;
  }

  std::string name() const override {
    return "gpu " + std::to_string(device.ordinal()) + " " + device.name() +
           " (sm_" + std::to_string(device.sm()) + ", " +
           bundle->imageFor(device.sm()) + ")";
  }

  std::string timeNote() const override {
    return "; with the copies to and from the device, --bench times the "
           "step alone";
  }

  Status prepare(pqrt::StepBuffers &buffers) override {
    Status status;
    if (!indexer) {
      status = fromC(pqrt_indexer_create(bundle->handle.get(),
                                         device.ordinal(),
                                         buffers.config.batch, &indexer),
                     "loading the bundle on the GPU");
    }
    if (status.ok()) {
      status = memory.allocate(buffers);
    }
    return status;
  }

  Status build(pqrt::StepBuffers &buffers, const BuildRequest &request,
               BuildResult &result) override {
    if (!bundle->info.has_build) {
      Status status = referenceBuildOf(buffers, request, result);
      result.where += "; the bundle has no GPU build";
      return status;
    }
    Status status = memory.upload(buffers, stream);
    if (status.ok() && !iterations.get()) {
      status = iterations.allocate(sizeof(int64_t), "iterations");
    }
    const int64_t before = buffers.numCached;
    float ms = 0;
    if (status.ok()) {
      status = pqhost::timeEnqueued(
          stream, start, stop, 1,
          [&] {
            pqrt_build call =
                memory.build(buffers, request.kmeansIter, request.seed,
                             static_cast<int64_t *>(iterations.ptr()));
            return fromC(pqrt_indexer_build(indexer, &call, stream.get()), "");
          },
          ms);
    }
    if (status.ok()) {
      status = memory.downloadIndex(buffers, stream);
    }
    if (status.ok()) {
      status = iterations.download(&result.iterations, stream);
    }
    if (!status.ok()) {
      buffers.numCached = before;
      return status;
    }
    result.ms = ms;
    result.where = "GPU, device time";
    result.onGpu = true;
    return status;
  }

  Status run(pqrt::StepBuffers &buffers) override {
    Status status = memory.upload(buffers, stream);
    // libpqrt sets n_cached when it enqueues; if the step then fails, put it
    // back so it still describes the host codebook.
    const int64_t before = buffers.numCached;
    if (status.ok()) {
      status = launch(buffers);
    }
    if (status.ok()) {
      status = stream.synchronize();
    }
    if (status.ok()) {
      status = memory.download(buffers, stream);
    }
    if (!status.ok()) {
      buffers.numCached = before;
    }
    return status;
  }

  Status bench(pqrt::StepBuffers &buffers, int64_t numCachedBefore,
               int64_t runs, BenchTimes &times) override {
    Status status = memory.upload(buffers, stream);
    // Warm-up: first launches pay for lazy loading and clocks ramping up.
    for (int i = 0; i < 3 && status.ok(); ++i) {
      buffers.numCached = numCachedBefore;
      status = launch(buffers);
    }
    if (status.ok()) {
      status = stream.synchronize();
    }
    for (int64_t i = 0; i < runs && status.ok(); ++i) {
      buffers.numCached = numCachedBefore;
      auto t0 = std::chrono::steady_clock::now();
      status = launch(buffers);
      if (status.ok()) {
        status = stream.synchronize();
      }
      times.wall.push_back(std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - t0)
                               .count());
    }
    // Device time in a separate loop, so event records stay out of the
    // wall-clock numbers.
    for (int64_t i = 0; i < runs && status.ok(); ++i) {
      buffers.numCached = numCachedBefore;
      float ms = 0;
      status = pqhost::timeEnqueued(stream, start, stop, 1,
                                  [&] { return launch(buffers); }, ms);
      times.gpu.push_back(ms * 1e-3);
    }
    return status;
  }

private:
  Status launch(pqrt::StepBuffers &buffers) {
    pqrt_step step = memory.step(buffers);
    return fromC(pqrt_indexer_run(indexer, &step, stream.get()), "");
  }

  std::shared_ptr<const BundleFile> bundle;
  pqhost::Device device;
  pqhost::Stream stream;
  pqhost::Event start, stop;
  pqhost::DeviceStep memory;
  pqhost::Buffer iterations; // the build's device int64
  pqrt_indexer *indexer = nullptr;
};

} // namespace

Status makeGpuExecutor(std::shared_ptr<const BundleFile> bundle, int ordinal,
                       std::unique_ptr<Executor> &out) {
  auto executor = std::make_unique<GpuExecutor>(std::move(bundle));
  Status status = executor->open(ordinal);
  if (status.ok()) {
    out = std::move(executor);
  }
  return status;
}

} // namespace pqrun
