//===- pq-run.cpp - Run one indexer step from the command line ------------===//
//
// bundle (optional) -> config source -> executor -> inputs (-> --build: the
// index by k-means) -> summary, then optionally --check against the CPU
// reference, --bench and .npy outputs.
// Links the runtime only (libpqrt and pqrt_tools). Every failure is a message
// and a non-zero exit: 2 for a bad command line, 1 for a bundle, device,
// step, file or check that failed.
//
//===----------------------------------------------------------------------===//

#include "BundleFile.h"
#include "CApiBridge.h"
#include "ConfigSource.h"
#include "Executor.h"
#include "Inputs.h"
#include "Options.h"
#include "Presets.h"
#include "Report.h"

#include "pqhost/BuildCheck.h"
#include "pqrt/Build.h"

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

/// SEMANTICS.md leaves T to the caller; the research code's default.
constexpr int64_t kDefaultKmeansIter = 10;

/// --build: the index of `buffers`' key cache (docs/BUILD.md) by the
/// executor (the bundle's GPU build, or the CPU reference), so the step
/// continues from num_cached = n. With --check, a GPU build is compared with
/// the reference's build of the same keys (pqhost::compareBuild); `passed`
/// turns false on a mismatch.
pqrt::Status buildIndex(const RunOptions &options, Executor &executor,
                        pqrt::StepBuffers &buffers, bool &passed) {
  if (!buffers.hasKey()) {
    return pqrt::Status::invalid("--build needs the key cache");
  }
  BuildRequest request;
  request.kmeansIter = options.kmeansIter.value_or(kDefaultKmeansIter);
  request.seed = options.seed;
  std::unique_ptr<pqrt::StepBuffers> reference;
  if (options.check) {
    reference = std::make_unique<pqrt::StepBuffers>(buffers);
  }
  BuildResult result;
  pqrt::Status status = executor.build(buffers, request, result);
  if (!status.ok()) {
    return status;
  }
  std::printf("build    k-means of n = %lld keys in %lld groups, T = %lld "
              "(seed %llu): %lld iterations, %.3f ms (%s)\n",
              (long long)buffers.indexedKeys(),
              (long long)pqrt::buildGroups(buffers.config),
              (long long)request.kmeansIter, (unsigned long long)request.seed,
              (long long)result.iterations, result.ms, result.where.c_str());
  if (reference && result.onGpu) {
    BuildResult expected;
    status = referenceBuildOf(*reference, request, expected);
    if (!status.ok()) {
      return {status.code, "the reference build: " + status.message};
    }
    pqhost::BuildOutputs want{reference->centroids.data(),
                              reference->phi.data(),
                              reference->codebook.data(), &expected.iterations};
    pqhost::BuildOutputs got{buffers.centroids.data(), buffers.phi.data(),
                             buffers.codebook.data(), &result.iterations};
    pqhost::BuildCheckOptions rules;
    rules.allowDivergence = request.kmeansIter >= 1;
    pqhost::BuildComparison comparison = pqhost::compareBuild(
        buffers.config, buffers.seqLen, buffers.key.data(), want, got, rules);
    if (comparison.status.ok()) {
      std::printf("check    build PASS: %s\n", comparison.summary().c_str());
    } else {
      std::printf("check    build FAIL: %s\n",
                  comparison.status.message.c_str());
      passed = false;
    }
  }
  return pqrt::Status::success();
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
  if (options.kmeansIter && !options.build) {
    return fail(kUsage, "--kmeans-iter applies to --build");
  }
  if (options.build && options.numCached) {
    return fail(kUsage, "--build fills the codebook (num_cached = n); it "
                        "cannot be combined with --num-cached");
  }

  std::shared_ptr<const BundleFile> bundle;
  pqrt::Status status;
  if (!options.bundle.empty()) {
    status = loadBundleFile(options.bundle, bundle);
    if (!status.ok()) {
      return fail(kFailed, status.message);
    }
  }
  std::unique_ptr<StepConfigSource> source =
      bundle ? makeBundleConfigSource(options, bundle)
             : makeFlagConfigSource(options);
  pqrt::StepConfig config;
  status = source->load(config);
  if (status.ok()) {
    status = pqrt::validateConfig(config);
  }
  if (!status.ok()) {
    return fail(kUsage, "step configuration (" + source->describe() +
                            "): " + status.message);
  }

  std::unique_ptr<Executor> executor;
  std::string note;
  status = selectExecutor(options.device, bundle, executor, note);
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
  ModuleLimits limits;
  if (bundle) {
    limits.maxSeqLen = bundle->info.max_seq_len;
    limits.staticBatch = bundle->info.static_batch;
  }
  status = prepareStep(options, config, source->defaultSeqLen(),
                       options.check ? 2 : 1, limits, step);
  if (!status.ok()) {
    return fail(kFailed, status.message);
  }
  pqrt::StepBuffers &buffers = *step.buffers;
  // Loading the module and device memory, before the build (which may run
  // on the GPU) and outside the step's time.
  status = executor->prepare(buffers);
  if (!status.ok()) {
    return fail(kFailed, status.message);
  }
  bool passed = true;
  if (options.build &&
      !(status = buildIndex(options, *executor, buffers, passed)).ok()) {
    return fail(kFailed, "the build failed: " + status.message);
  }
  if (bundle) {
    // The module's own limits (static batch, max sk), on every device, so
    // --device=cpu accepts exactly the calls the GPU would.
    pqrt_step view = hostStep(buffers);
    status = fromC(pqrt_bundle_validate_step(bundle->handle.get(),
                                             buffers.config.batch, &view),
                   "the bundle cannot run this call");
    if (!status.ok()) {
      return fail(kFailed, status.message);
    }
  }
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
  status = executor->run(buffers);
  const double elapsed = secondsSince(start);
  if (!status.ok()) {
    return fail(kFailed, "the step failed: " + status.message);
  }
  printResult(stdout, buffers, numCachedBefore, options.headsShown);
  std::printf("time     %.3f ms (one step%s)\n", elapsed * 1e3,
              executor->timeNote().c_str());

  if (!options.outputsDir.empty()) {
    status = writeOutputs(options.outputsDir, buffers);
    if (!status.ok()) {
      return fail(kFailed, status.message);
    }
    std::printf("outputs  written to %s\n", options.outputsDir.c_str());
  }

  if (reference) {
    status = pqrt::referenceStep(reference->config, reference->args());
    if (!status.ok()) {
      return fail(kFailed, "the reference step failed: " + status.message);
    }
    passed = checkOutputs(stdout, *reference, buffers) && passed;
    reference.reset();
  }

  if (options.benchRuns > 0) {
    BenchTimes times;
    status = executor->bench(buffers, numCachedBefore, options.benchRuns,
                             times);
    if (!status.ok()) {
      return fail(kFailed, "--bench: " + status.message);
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
