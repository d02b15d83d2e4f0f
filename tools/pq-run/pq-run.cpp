//===- pq-run.cpp - Run one indexer step from the command line ------------===//
//
// config source -> inputs -> executor -> summary, then optionally --check
// against the CPU reference, --bench and .npy outputs. Links the runtime
// only. Every failure is a message and a non-zero exit: 2 for a bad command
// line, 1 for a step, file or check that failed.
//
//===----------------------------------------------------------------------===//

#include "ConfigSource.h"
#include "Executor.h"
#include "Inputs.h"
#include "Options.h"
#include "Presets.h"
#include "Report.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <new>

namespace {

using namespace pqrun;

constexpr int kFailed = 1;
constexpr int kUsage = 2;

int fail(int code, const std::string &message) {
  std::fprintf(stderr, "pq-run: error: %s\n", message.c_str());
  if (code == kUsage) {
    std::fprintf(stderr, "run 'pq-run --help' for usage\n");
  }
  return code;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

int run(int argc, char **argv) {
  RunOptions options;
  std::string error;
  if (!parseArguments(argc, argv, options, error)) {
    return fail(kUsage, error);
  }
  if (options.help) {
    std::printf("%s\npresets:\n%s", usage().c_str(), presetTable().c_str());
    return 0;
  }
  if (options.listPresets) {
    std::printf("%s", presetTable().c_str());
    return 0;
  }
  if (!options.inputsDir.empty() && options.ties) {
    return fail(kUsage, "--ties makes random inputs; it cannot be combined "
                        "with --inputs");
  }

  std::unique_ptr<StepConfigSource> source = makeFlagConfigSource(options);
  pqrt::StepConfig config;
  pqrt::Status status = source->load(config);
  if (status.ok()) {
    status = pqrt::validateConfig(config);
  }
  if (!status.ok()) {
    return fail(kUsage, "step configuration (" + source->describe() +
                            "): " + status.message);
  }

  std::unique_ptr<Executor> executor;
  std::string note;
  status = selectExecutor(options.device, options.bundle, executor, note);
  if (!status.ok()) {
    return fail(kFailed, status.message);
  }

  // Fail on an unwritable output directory before spending time on the step.
  for (const std::string *dir : {&options.saveInputsDir, &options.outputsDir}) {
    if (!dir->empty() && !(status = makeDirectory(*dir)).ok()) {
      return fail(kFailed, status.message);
    }
  }

  PreparedStep step;
  status = prepareStep(options, config, source->defaultSeqLen(),
                       options.check ? 2 : 1, step);
  if (!status.ok()) {
    return fail(kFailed, status.message);
  }
  pqrt::StepBuffers &buffers = *step.buffers;
  if (!options.saveInputsDir.empty()) {
    status = saveInputs(options.saveInputsDir, buffers);
    if (!status.ok()) {
      return fail(kFailed, status.message);
    }
  }
  const int64_t numCachedBefore = buffers.numCached;
  std::unique_ptr<pqrt::StepBuffers> reference;
  if (options.check) {
    reference = std::make_unique<pqrt::StepBuffers>(buffers);
  }

  printStep(stdout, buffers, source->describe(), step.origin,
            numCachedBefore);
  std::printf("device   %s%s%s\n", executor->name().c_str(),
              note.empty() ? "" : "; ", note.c_str());
  std::fflush(stdout);

  auto start = std::chrono::steady_clock::now();
  status = executor->run(buffers.config, buffers.args());
  const double elapsed = secondsSince(start);
  if (!status.ok()) {
    return fail(kFailed, "the step failed: " + status.message);
  }
  printResult(stdout, buffers, numCachedBefore, options.headsShown);
  std::printf("time     %.3f ms (one step, %s)\n", elapsed * 1e3,
              executor->name().c_str());

  if (!options.outputsDir.empty()) {
    status = writeOutputs(options.outputsDir, buffers);
    if (!status.ok()) {
      return fail(kFailed, status.message);
    }
    std::printf("outputs  written to %s\n", options.outputsDir.c_str());
  }

  bool passed = true;
  if (reference) {
    status = pqrt::referenceStep(reference->config, reference->args());
    if (!status.ok()) {
      return fail(kFailed, "the reference step failed: " + status.message);
    }
    passed = checkOutputs(stdout, *reference, buffers);
    reference.reset();
  }

  if (options.benchRuns > 0) {
    std::vector<double> times;
    for (int64_t i = 0; i < options.benchRuns; ++i) {
      // Same inputs every time: new keys are quantized again, identically.
      buffers.numCached = numCachedBefore;
      start = std::chrono::steady_clock::now();
      status = executor->run(buffers.config, buffers.args());
      times.push_back(secondsSince(start));
      if (!status.ok()) {
        return fail(kFailed, "bench run " + std::to_string(i) +
                                 " failed: " + status.message);
      }
    }
    printBench(stdout, executor->name(), times);
  }
  std::fflush(stdout);
  return passed ? 0 : kFailed;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc &) {
    return fail(kFailed, "out of memory");
  } catch (const std::exception &e) {
    return fail(kFailed, std::string("unexpected: ") + e.what());
  }
}
