//===- pq-bench.cpp - Time compiled indexers on the GPU -------------------===//
//
// For every call of a bench index (scripts/make-bench-bundles.py): random
// inputs at the benchmark call, checks against the CPU reference, and CUDA
// event, wall-clock and CUDA-graph timings of the step with 0, 1 and 64 new
// keys and of the minimal launch (bench/StepBench.h), next to the bandwidth
// floor. Runs over libpqrt's C API; device memory, streams, events and
// graphs through the dlopen'ed driver (no CUDA runtime).
//   pq-bench build-dev/bench-bundles/index.json [--json FILE] [--only a,b]
//   pq-bench build-dev/bench-bundles/sweep.json --sweep [--json FILE]
// Exit status: 0 all checks pass, 1 a check, bundle or the device failed,
// 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "BenchIndex.h"
#include "BenchOptions.h"
#include "BenchReport.h"
#include "StepBench.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

namespace {

using namespace pqbench;
using pqrt::Status;

int fail(const std::string &message) {
  std::fprintf(stderr, "pq-bench: error: %s\n", message.c_str());
  return 1;
}

int run(int argc, char **argv) {
  Options options;
  std::string error;
  if (!parseOptions(argc, argv, options, error)) {
    if (error.empty()) {
      std::printf("%s", usage().c_str());
      return 0;
    }
    std::fprintf(stderr, "pq-bench: error: %s\n%s", error.c_str(),
                 usage().c_str());
    return 2;
  }
  std::vector<BenchEntry> entries;
  Status status = readBenchIndex(options.index, options.only, entries);
  if (!status.ok()) {
    return fail(status.message);
  }

  pqhost::Device device;
  pqhost::Stream stream;
  status = device.open(options.device);
  if (status.ok()) {
    status = stream.create();
  }
  if (!status.ok()) {
    return fail("needs a GPU: " + status.message);
  }
  RunInfo info;
  info.device = device.name();
  info.sm = device.sm();
  info.bandwidthSource = "given";
  if (options.settings.bandwidthTbps <= 0) {
    status = measureCopyBandwidth(stream, options.settings.bandwidthTbps);
    if (!status.ok()) {
      return fail("measuring the copy bandwidth: " + status.message);
    }
    info.bandwidthSource = "measured";
  }
  info.bandwidthTbps = options.settings.bandwidthTbps;
  // Events time the device behind a shut gate; a device that cannot wait on
  // host memory is timed without one, and the report says so.
  pqhost::Gate gate;
  status = gate.create();
  if (status.ok() && options.settings.iters > pqhost::kMaxGatedCalls) {
    status = Status::invalid("--iters above " +
                             std::to_string(pqhost::kMaxGatedCalls));
  }
  info.gpuTiming = status.ok() ? "behind a host gate"
                               : "not gated: " + status.message;
  info.settings = options.settings;
  std::printf("device: %s (sm_%d); copy bandwidth %.2f TB/s (%s); gpu "
              "events %s\n",
              info.device.c_str(), info.sm, info.bandwidthTbps,
              info.bandwidthSource.c_str(), info.gpuTiming.c_str());
  std::fflush(stdout);

  std::vector<BundleResult> results;
  bool allPassed = true;
  for (const BenchEntry &entry : entries) {
    BundleResult result;
    const auto started = std::chrono::steady_clock::now();
    status =
        benchBundle(entry, options.settings, device, stream, &gate, result);
    if (!status.ok()) {
      result.error = status.message;
    }
    const std::string check = overallCheck(result);
    allPassed = allPassed && check == "PASS";
    std::printf("%-18s %-5s", entry.name.c_str(), check.c_str());
    for (const ColumnTimes &c : result.columns) {
      std::printf(" | %lld new: host %.2f, gpu %.1f, wall %.1f",
                  (long long)c.newKeys, c.hostUs, c.gpuUs, c.wallUs);
      if (options.settings.graph) {
        std::printf(", graph %.1f", c.graphGpuUs);
      }
    }
    if (options.settings.minimal) {
      std::printf(" | sk %lld: gpu %.1f, wall %.1f", (long long)kMinimalSeqLen,
                  result.minimal.gpuUs, result.minimal.wallUs);
    }
    // Where the call's time goes (inputs, the CPU reference, checks, timing).
    std::printf(" (us; %.1f s)%s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              started)
                    .count(),
                status.ok() ? "" : (" -- " + status.message).c_str());
    std::fflush(stdout);
    results.push_back(std::move(result));
  }
  printTable(stdout, info, results);
  if (!options.json.empty()) {
    status = writeJson(options.json, info, results);
    if (!status.ok()) {
      return fail(status.message);
    }
    std::printf("json: %s\n", options.json.c_str());
  }
  return allPassed ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    return fail(std::string("unexpected: ") + e.what());
  }
}
