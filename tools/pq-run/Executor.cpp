//===- Executor.cpp - What runs the step ----------------------------------===//

#include "Executor.h"

#include "pqrt/Build.h"

#include <chrono>

namespace pqrun {

using pqrt::Status;
using pqrt::StatusCode;

namespace {

class CpuReferenceExecutor final : public Executor {
public:
  std::string name() const override { return "cpu reference"; }
  Status run(pqrt::StepBuffers &buffers) override {
    return pqrt::referenceStep(buffers.config, buffers.args());
  }
};

} // namespace

Status referenceBuildOf(pqrt::StepBuffers &buffers, const BuildRequest &request,
                        BuildResult &result) {
  pqrt::BuildArgs args;
  args.seqLen = buffers.seqLen;
  args.kmeansIter = request.kmeansIter;
  args.seed = request.seed;
  args.key = buffers.key.data();
  args.centroids = buffers.centroids.data();
  args.phi = buffers.config.metric == pqrt::Metric::InnerProduct
                 ? buffers.phi.data()
                 : nullptr;
  args.codebook = buffers.codebook.data();
  args.numCached = &buffers.numCached;
  args.iterations = &result.iterations;
  const auto start = std::chrono::steady_clock::now();
  Status status = pqrt::referenceBuild(buffers.config, args);
  result.ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  result.where = "CPU reference";
  result.onGpu = false;
  return status;
}

Status Executor::build(pqrt::StepBuffers &buffers, const BuildRequest &request,
                       BuildResult &result) {
  return referenceBuildOf(buffers, request, result);
}

Status Executor::bench(pqrt::StepBuffers &buffers, int64_t numCachedBefore,
                       int64_t runs, BenchTimes &times) {
  for (int64_t i = 0; i < runs; ++i) {
    buffers.numCached = numCachedBefore;
    auto start = std::chrono::steady_clock::now();
    Status status = run(buffers);
    times.wall.push_back(std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count());
    if (!status.ok()) {
      return {status.code, "bench run " + std::to_string(i) + " failed: " +
                               status.message};
    }
  }
  return Status::success();
}

std::unique_ptr<Executor> makeCpuReferenceExecutor() {
  return std::make_unique<CpuReferenceExecutor>();
}

Status selectExecutor(Device device, std::shared_ptr<const BundleFile> bundle,
                      std::unique_ptr<Executor> &executor, std::string &note) {
  if (!bundle) {
    if (device == Device::Gpu) {
      return {StatusCode::Unsupported,
              "--device=gpu needs a compiled bundle (pq-run BUNDLE.pqmod, "
              "from pq-compile); presets and flags run on the CPU reference"};
    }
    if (device == Device::Auto) {
      note = "--device=auto: no compiled bundle given, so the step runs on "
             "the CPU reference";
    }
    executor = makeCpuReferenceExecutor();
    return Status::success();
  }
  if (device == Device::Cpu) {
    executor = makeCpuReferenceExecutor();
    return Status::success();
  }
  Status status = makeGpuExecutor(bundle, 0, executor);
  if (status.ok()) {
    return status;
  }
  const bool noGpu = status.code == StatusCode::NoDriver ||
                     status.code == StatusCode::NoDevice;
  if (device == Device::Auto && noGpu) {
    note = "--device=auto: no GPU here (" + status.message +
           "), so the step runs on the CPU reference with the bundle's "
           "configuration";
    executor = makeCpuReferenceExecutor();
    return Status::success();
  }
  return {status.code, std::string("--device=") + deviceName(device) +
                           ": cannot run on the GPU: " + status.message +
                           (noGpu ? "; --device=cpu (or auto) runs the CPU "
                                    "reference instead"
                                  : "")};
}

} // namespace pqrun
