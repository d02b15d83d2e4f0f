//===- StepBench.cpp - Time and check one bundle on the GPU ---------------===//

#include "StepBench.h"

#include "BenchInputs.h"
#include "BundleFile.h"
#include "CApiBridge.h"
#include "pqhost/DeviceStep.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace pqbench {

using pqrt::Status;
using pqrt::StepBuffers;

const ColumnTimes *BundleResult::column(int64_t newKeys) const {
  for (const ColumnTimes &c : columns) {
    if (c.newKeys == newKeys) {
      return &c;
    }
  }
  return nullptr;
}

double launchOverheadUs(const ColumnTimes &times) {
  return times.wallUs - times.gpuUs; // NaN when either is
}

double launchRatio(const BundleResult &result) {
  const ColumnTimes *step = result.column(0);
  const double minimal = launchOverheadUs(result.minimal);
  if (!step || !(minimal > 0)) {
    return kNotMeasured;
  }
  return launchOverheadUs(*step) / minimal;
}

std::string overallCheck(const BundleResult &result) {
  if (!result.error.empty()) {
    return "ERROR";
  }
  std::vector<const ColumnTimes *> all;
  for (const ColumnTimes &c : result.columns) {
    all.push_back(&c);
  }
  all.push_back(&result.minimal);
  bool any = false;
  for (const ColumnTimes *c : all) {
    if (c->check == "FAIL") {
      return "FAIL";
    }
    any = any || c->check == "PASS";
  }
  return any ? "PASS" : "-";
}

namespace {

/// The loaded step: device buffers, the indexer and its host-side state.
struct Session {
  pqrt_indexer *indexer;
  pqhost::DeviceStep &memory;
  StepBuffers &host;
  const pqhost::Stream &stream;
  pqhost::Gate *gate; // null or not ready: events time ungated

  /// Enqueues one step that starts from `numCached` codes.
  Status launch(int64_t numCached) {
    host.numCached = numCached;
    pqrt_step step = memory.step(host);
    return pqrun::fromC(pqrt_indexer_run(indexer, &step, stream.get()),
                        "pqrt_indexer_run");
  }

  /// Puts the inputs of a step with n_cached = `numCached` on the device:
  /// the reference's codes before that row, sentinel bytes from it, and
  /// sentinel outputs, so the check sees what this step wrote.
  Status prepare(const StepBuffers &reference, int64_t numCached) {
    host.codebook = reference.codebook;
    clearCodes(host, numCached);
    host.resetOutputs();
    return memory.upload(host, stream);
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

/// One column: a checked run from freshly uploaded inputs, the timings, and
/// a second check of what the last timed launch or graph replay wrote.
Status benchColumn(Session &s, const BenchSettings &settings, int64_t newKeys,
                   const StepBuffers &reference,
                   const std::vector<float> &scores, ColumnTimes &column) {
  column.newKeys = newKeys;
  const int64_t numCached = s.host.indexedKeys() - newKeys;
  Status status = s.prepare(reference, numCached);
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
  const int64_t reps = newKeys > 0 ? settings.newKeyReps : settings.reps;
  if (status.ok()) {
    status = eventTimeUs(s.stream, settings.iters, reps, step, column.gpuUs,
                         s.gate, &column.hostUs);
  }
  if (status.ok()) {
    status = wallTimeUs(s.stream, settings.wallIters, step, column.wallUs);
  }
  if (!status.ok()) {
    return status;
  }
  if (!settings.graph) {
    checkOutputs(s, reference, scores, "after timing", column);
    return status;
  }

  // The graph keeps the n_cached of capture time, which is what we want.
  pqhost::Graph graph;
  status = s.prepare(reference, numCached);
  Status capture = status.ok() ? graph.beginCapture(s.stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL) : status;
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
    status =
        wallTimeUs(s.stream, settings.wallIters, replay, column.graphWallUs);
  }
  if (status.ok()) {
    status =
        eventTimeUs(s.stream, settings.iters, reps, replay, column.graphGpuUs,
                    s.gate);
  }
  if (status.ok()) {
    checkOutputs(s, reference, scores, "after graph replays", column);
  }
  return status;
}

/// Runs the reference step on `reference` (which the step then leaves with
/// every key quantized) and, off the full-attention path, its scores.
Status runReference(const pqrt::StepConfig &config, StepBuffers &reference,
                    std::vector<float> &scores) {
  const pqrt_config cconfig = pqrt::capi::toCConfig(config);
  pqrt_step step = pqrun::hostStep(reference);
  Status status =
      pqrun::fromC(pqrt_reference_run(&cconfig, &step), "pqrt_reference_run");
  scores.clear();
  if (status.ok() && !pqrt::isFullAttention(config, reference.seqLen)) {
    scores.resize(
        size_t(config.batch * config.heads * reference.indexedKeys()));
    status = pqrun::fromC(pqrt_reference_scores(&cconfig, &step, scores.data(),
                                                int64_t(scores.size())),
                          "pqrt_reference_scores");
  }
  return status;
}

/// The minimal launch: the loaded indexer at kMinimalSeqLen, checked, timed
/// by events and wall clock like the 0-new-key column.
Status benchMinimal(pqrt_indexer *indexer, const pqrt::StepConfig &config,
                    const BenchSettings &settings, const pqhost::Stream &stream,
                    pqhost::Gate *gate, ColumnTimes &out) {
  StepBuffers host = makeBenchInputs(config, kMinimalSeqLen, 0, settings.seed);
  StepBuffers reference = host;
  std::vector<float> scores;
  Status status = runReference(config, reference, scores);
  pqhost::DeviceStep memory;
  if (status.ok()) {
    status = memory.allocate(host);
  }
  if (!status.ok()) {
    return status;
  }
  BenchSettings plain = settings;
  plain.graph = false;
  Session session{indexer, memory, host, stream, gate};
  return benchColumn(session, plain, 0, reference, scores, out);
}

} // namespace

Status benchBundle(const BenchEntry &entry, const BenchSettings &settings,
                   const pqhost::Device &device, const pqhost::Stream &stream,
                   pqhost::Gate *gate, BundleResult &result) {
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
  const int64_t maxNewKeys =
      settings.newKeys.empty()
          ? 0
          : *std::max_element(settings.newKeys.begin(), settings.newKeys.end());
  if (result.n < std::max<int64_t>(maxNewKeys, 1)) {
    return Status::invalid("sk " + std::to_string(sk) +
                           " leaves n = " + std::to_string(result.n) +
                           " keys to index, fewer than " +
                           std::to_string(std::max<int64_t>(maxNewKeys, 1)));
  }

  StepBuffers host = makeBenchInputs(config, sk, maxNewKeys, settings.seed);
  pqrt_step view = pqrun::hostStep(host);
  status = pqrun::fromC(
      pqrt_bundle_validate_step(bundle->handle.get(), entry.batch, &view),
      "the bundle cannot run the benchmark call");
  if (!status.ok()) {
    return status;
  }
  // The reference quantizes the maxNewKeys keys; every column compares
  // with it, since the outputs do not depend on which codes were cached.
  StepBuffers reference = host;
  std::vector<float> scores;
  status = runReference(config, reference, scores);
  if (!status.ok()) {
    return status;
  }

  pqrt_indexer *raw = nullptr;
  status =
      pqrun::fromC(pqrt_indexer_create(bundle->handle.get(), device.ordinal(),
                                       entry.batch, &raw),
                   "loading the bundle");
  std::unique_ptr<pqrt_indexer, void (*)(pqrt_indexer *)> indexer(
      raw, pqrt_indexer_destroy);
  pqhost::DeviceStep memory;
  if (status.ok()) {
    status = memory.allocate(host);
  }
  if (!status.ok()) {
    return status;
  }
  Session session{indexer.get(), memory, host, stream, gate};
  for (int64_t newKeys : settings.newKeys) {
    result.columns.emplace_back();
    status = benchColumn(session, settings, newKeys, reference, scores,
                         result.columns.back());
    if (!status.ok()) {
      return status;
    }
  }
  if (settings.minimal) {
    status =
        benchMinimal(indexer.get(), config, settings, stream, gate,
                     result.minimal);
  }
  return status;
}

} // namespace pqbench
