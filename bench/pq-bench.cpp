//===- pq-bench.cpp - Time compiled indexers on the GPU -------------------===//
//
// For every bundle of a bench index (scripts/make-bench-bundles.py): random
// inputs at the benchmark call, a check against the CPU reference, and CUDA
// event, wall-clock and CUDA-graph timings of one step (bench/StepBench.h),
// next to the bandwidth floor. Runs over libpqrt's C API; device memory,
// streams, events and graphs through the dlopen'ed driver (no CUDA runtime).
//   pq-bench build-dev/bench-bundles/index.json [--json FILE] [--only a,b]
// Exit status: 0 all checks pass, 1 a check, bundle or the device failed,
// 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "BenchIndex.h"
#include "BenchReport.h"
#include "StepBench.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace {

using namespace pqbench;
using pqrt::Status;

struct Options {
  std::string index, json, only;
  BenchSettings settings;
  int device = 0;
};

const char *kUsage =
    "usage: pq-bench INDEX.json [--json FILE] [--only NAME[,NAME...]]\n"
    "                [--iters N] [--reps N] [--wall-iters N] [--seed N]\n"
    "                [--bandwidth TBPS] [--device N]\n"
    "  INDEX.json    from scripts/make-bench-bundles.py (bundles beside it)\n"
    "  --iters N     launches between two events per repetition (200)\n"
    "  --reps N      event-timed repetitions; the median is reported (7)\n"
    "  --wall-iters N  launch + sync timings; the median is reported (200)\n"
    "  --bandwidth TBPS  copy bandwidth for the floor (default: measured\n"
    "                with a 1 GiB device-to-device copy)\n";

bool parseNumber(const char *text, double low, double &value) {
  char *end = nullptr;
  value = std::strtod(text, &end);
  return end && *end == '\0' && end != text && value >= low;
}

/// Returns false with a message on a bad command line.
bool parse(int argc, char **argv, Options &o, std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (arg == "--help" || arg == "-h") {
      error = "";
      return false;
    }
    if (arg.rfind("--", 0) != 0) {
      if (!o.index.empty()) {
        error = "more than one index given";
        return false;
      }
      o.index = arg;
      continue;
    }
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      error = arg + " expects a value";
      return false;
    }
    double number = 0;
    const bool isNumber = parseNumber(value.c_str(), 0, number);
    auto count = [&](int64_t &field) {
      if (!isNumber || number < 1 || number != double(int64_t(number))) {
        error = arg + ": '" + value + "' is not a positive integer";
        return false;
      }
      field = int64_t(number);
      return true;
    };
    if (arg == "--json") {
      o.json = value;
    } else if (arg == "--only") {
      o.only = value;
    } else if (arg == "--iters") {
      if (!count(o.settings.iters)) {
        return false;
      }
    } else if (arg == "--reps") {
      if (!count(o.settings.reps)) {
        return false;
      }
    } else if (arg == "--wall-iters") {
      if (!count(o.settings.wallIters)) {
        return false;
      }
    } else if (arg == "--seed") {
      if (!isNumber) {
        error = "--seed: '" + value + "' is not a number";
        return false;
      }
      o.settings.seed = uint64_t(number);
    } else if (arg == "--device") {
      if (!isNumber || number != double(int(number))) {
        error = "--device: '" + value + "' is not a device ordinal";
        return false;
      }
      o.device = int(number);
    } else if (arg == "--bandwidth") {
      if (!isNumber || number <= 0) {
        error = "--bandwidth: '" + value + "' is not a positive TB/s";
        return false;
      }
      o.settings.bandwidthTbps = number;
    } else {
      error = "unknown option '" + arg + "'";
      return false;
    }
  }
  if (o.index.empty()) {
    error = "no INDEX.json given";
    return false;
  }
  return true;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "pq-bench: error: %s\n", message.c_str());
  return 1;
}

int run(int argc, char **argv) {
  Options options;
  std::string error;
  if (!parse(argc, argv, options, error)) {
    if (error.empty()) {
      std::printf("%s", kUsage);
      return 0;
    }
    std::fprintf(stderr, "pq-bench: error: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  std::vector<BenchEntry> entries;
  Status status = readBenchIndex(options.index, options.only, entries);
  if (!status.ok()) {
    return fail(status.message);
  }

  pqrun::cuda::Device device;
  pqrun::cuda::Stream stream;
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
  info.settings = options.settings;
  std::printf("device: %s (sm_%d); copy bandwidth %.2f TB/s (%s)\n",
              info.device.c_str(), info.sm, info.bandwidthTbps,
              info.bandwidthSource.c_str());
  std::fflush(stdout);

  std::vector<BundleResult> results;
  bool allPassed = true;
  for (const BenchEntry &entry : entries) {
    BundleResult result;
    status = benchBundle(entry, options.settings, device, stream, result);
    if (!status.ok()) {
      result.error = status.message;
    }
    const bool passed = status.ok() && result.noNewKey.check == "PASS" &&
                        result.oneNewKey.check == "PASS";
    allPassed = allPassed && passed;
    std::printf("%-18s %s: gpu %.1f us, wall %.1f us, graph %.1f us%s\n",
                entry.name.c_str(), passed ? "PASS" : "FAIL",
                result.noNewKey.gpuUs, result.noNewKey.wallUs,
                result.noNewKey.graphGpuUs,
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
