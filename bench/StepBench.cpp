//===- StepBench.cpp - Time and check one bundle on the GPU ---------------===//

#include "StepBench.h"

#include "BundleFile.h"
#include "CApiBridge.h"
#include "DeviceStep.h"

#include "pqrt/RandomInputs.h"

#include <algorithm>
#include <chrono>
#include <memory>

namespace pqbench {

using pqrt::Status;
using pqrt::StepBuffers;
namespace cuda = pqrun::cuda;

namespace {

double median(std::vector<double> values) {
  if (values.empty()) {
    return kNotMeasured;
  }
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double nowUs() {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The loaded step: device buffers, the indexer and its host-side state.
struct Session {
  pqrt_indexer *indexer;
  pqrun::DeviceStep &memory;
  StepBuffers &host;
  const cuda::Stream &stream;
  const BenchSettings &settings;

  /// Enqueues one step that starts from `numCached` codes.
  Status launch(int64_t numCached) {
    host.numCached = numCached;
    pqrt_step step = memory.step(host);
    return pqrun::fromC(pqrt_indexer_run(indexer, &step, stream.get()),
                        "pqrt_indexer_run");
  }

  /// Events around `count` back-to-back calls of `enqueue`: us per call,
  /// median over the repetitions.
  template <typename Enqueue>
  Status eventTime(Enqueue enqueue, double &us) {
    cuda::Event start, stop;
    Status status = start.create();
    if (status.ok()) {
      status = stop.create();
    }
    std::vector<double> perCall;
    for (int64_t r = 0; r < settings.reps && status.ok(); ++r) {
      float ms = 0;
      status = cuda::timeEnqueued(stream, start, stop, settings.iters,
                                  enqueue, ms);
      perCall.push_back(double(ms) * 1e3 / double(settings.iters));
    }
    us = status.ok() ? median(perCall) : kNotMeasured;
    return status;
  }

  /// Host clock around one call of `enqueue` + stream sync, median.
  template <typename Enqueue> Status wallTime(Enqueue enqueue, double &us) {
    std::vector<double> times;
    Status status;
    for (int64_t i = 0; i < settings.wallIters && status.ok(); ++i) {
      const double t0 = nowUs();
      status = enqueue();
      if (status.ok()) {
        status = stream.synchronize();
      }
      times.push_back(nowUs() - t0);
    }
    us = status.ok() ? median(times) : kNotMeasured;
    return status;
  }
};

/// Checks the outputs now on the device against the reference: the
/// tie-aware comparison and the codebook bit for bit.
void checkOutputs(Session &s, const StepBuffers &reference,
                  const std::vector<float> &scores, const char *when,
                  ColumnTimes &column) {
  Status status = s.memory.download(s.host, s.stream);
  if (status.ok()) {
    status = pqrun::compareWithReference(
        s.host.config, s.host.seqLen, reference.outputs(),
        scores.empty() ? nullptr : scores.data(), s.host.outputs());
  }
  if (status.ok() && s.host.codebook != reference.codebook) {
    status = Status::mismatch("the codebook differs from the reference's");
  }
  if (column.check == "FAIL") {
    return; // keep the first failure's message
  }
  column.check = status.ok() ? "PASS" : "FAIL";
  if (!status.ok()) {
    column.checkMessage = std::string(when) + ": " + status.message;
  }
}

/// One column: a checked run from the uploaded inputs, the three timings,
/// and a second check of what the last graph replay wrote.
Status benchColumn(Session &s, int64_t numCached,
                   const StepBuffers &reference,
                   const std::vector<float> &scores, ColumnTimes &column) {
  s.host.resetOutputs();
  Status status = s.memory.upload(s.host, s.stream);
  if (status.ok()) {
    status = s.launch(numCached);
  }
  if (status.ok()) {
    status = s.stream.synchronize();
  }
  if (!status.ok()) {
    return status;
  }
  checkOutputs(s, reference, scores, "first run", column);

  // Warm-up: module, caches and clocks.
  for (int i = 0; i < 10 && status.ok(); ++i) {
    status = s.launch(numCached);
  }
  auto step = [&] { return s.launch(numCached); };
  if (status.ok()) {
    status = s.eventTime(step, column.gpuUs);
  }
  if (status.ok()) {
    status = s.wallTime(step, column.wallUs);
  }
  if (!status.ok()) {
    return status;
  }

  // The graph keeps the n_cached of capture time, which is what we want.
  cuda::Graph graph;
  s.host.resetOutputs();
  status = s.memory.upload(s.host, s.stream);
  Status capture = status.ok() ? graph.beginCapture(s.stream) : status;
  if (capture.ok()) {
    Status launched = s.launch(numCached);
    capture = graph.endCapture(s.stream);
    capture = launched.ok() ? capture : launched;
  }
  if (!capture.ok()) {
    column.graphError = capture.message;
    return status; // a capture failure is a result, not an error
  }
  auto replay = [&] { return graph.launch(s.stream); };
  for (int i = 0; i < 10 && status.ok(); ++i) {
    status = replay();
  }
  if (status.ok()) {
    status = s.wallTime(replay, column.graphWallUs);
  }
  if (status.ok()) {
    status = s.eventTime(replay, column.graphGpuUs);
  }
  if (status.ok()) {
    checkOutputs(s, reference, scores, "after graph replays", column);
  }
  return status;
}

} // namespace

Status benchBundle(const BenchEntry &entry, const BenchSettings &settings,
                   const cuda::Device &device, const cuda::Stream &stream,
                   BundleResult &result) {
  result.entry = entry;
  std::shared_ptr<const pqrun::BundleFile> bundle;
  Status status = pqrun::loadBundleFile(entry.path, bundle);
  if (!status.ok()) {
    return status;
  }
  result.strategy = bundle->info.strategy;
  result.kernels = bundle->info.num_kernels;
  result.image = bundle->imageFor(device.sm());
  pqrt::StepConfig config = bundle->config;
  config.batch = entry.batch;
  const int64_t sk = entry.seqLen;
  result.n = std::max<int64_t>(sk - config.initOffset, 0);
  result.total = pqrt::outputTotal(config, sk);
  result.floor = stepFloor(config, sk, settings.bandwidthTbps);
  if (result.n < 1) {
    return Status::invalid("sk " + std::to_string(sk) +
                           " leaves no key to index");
  }

  // Inputs with one key left to quantize; the reference step fills it in.
  StepBuffers host(config, sk, result.n - 1);
  pqrt::fillRandom(host, settings.seed, pqrt::DataMode::Random);
  pqrt_step view = pqrun::hostStep(host);
  status = pqrun::fromC(
      pqrt_bundle_validate_step(bundle->handle.get(), entry.batch, &view),
      "the bundle cannot run the benchmark call");
  if (!status.ok()) {
    return status;
  }
  StepBuffers reference = host;
  const pqrt_config cconfig = pqrt::capi::toCConfig(config);
  pqrt_step refStep = pqrun::hostStep(reference);
  status = pqrun::fromC(pqrt_reference_run(&cconfig, &refStep),
                        "pqrt_reference_run");
  std::vector<float> scores;
  if (status.ok() && !pqrt::isFullAttention(config, sk)) {
    scores.resize(size_t(config.batch * config.heads * result.n));
    status = pqrun::fromC(pqrt_reference_scores(&cconfig, &refStep,
                                                scores.data(),
                                                int64_t(scores.size())),
                          "pqrt_reference_scores");
  }
  if (!status.ok()) {
    return status;
  }

  pqrt_indexer *raw = nullptr;
  status = pqrun::fromC(pqrt_indexer_create(bundle->handle.get(),
                                            device.ordinal(), entry.batch,
                                            &raw),
                        "loading the bundle");
  std::unique_ptr<pqrt_indexer, void (*)(pqrt_indexer *)> indexer(
      raw, pqrt_indexer_destroy);
  pqrun::DeviceStep memory;
  if (status.ok()) {
    status = memory.allocate(host);
  }
  if (!status.ok()) {
    return status;
  }
  Session session{indexer.get(), memory, host, stream, settings};
  // One new key first: the host codebook then holds the GPU's code for it,
  // which the n_cached = n column starts from.
  status = benchColumn(session, result.n - 1, reference, scores,
                       result.oneNewKey);
  if (status.ok()) {
    status = benchColumn(session, result.n, reference, scores,
                         result.noNewKey);
  }
  return status;
}

} // namespace pqbench
