//===- BuildChecks.cpp - The GPU tests of the index build -----------------===//

#include "BuildChecks.h"
#include "CheckUtil.h"

#include "BuildDevice.h"

#include "pqrt/Build.h"
#include "pqrt/Layout.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <future>

namespace pqgpu {

using pqrt::StepBuffers;
using pqrt::StepConfig;

namespace {

/// "" when the codes of rows [0, n) agree bitwise, else the first one.
std::string compareCodes(const StepConfig &c, const std::vector<uint8_t> &got,
                         const std::vector<uint8_t> &want, int64_t n) {
  const pqrt::ElementType type = pqrt::codeType(c);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
        for (int64_t s = 0; s < c.subspaces; ++s) {
          const int64_t at = pqrt::codeOffset(c, b, j, kv, s);
          const int64_t g = pqrt::loadInt(type, got.data(), at);
          const int64_t w = pqrt::loadInt(type, want.data(), at);
          if (g != w) {
            return "codes: b " + str(b) + ", key " + str(j) + ", kv " +
                   str(kv) + ", s " + str(s) + ": " + str(g) + " against " +
                   str(w);
          }
        }
      }
    }
  }
  return std::string();
}

/// "" when every codebook row past n still holds `byte`.
std::string checkSpareRows(const StepConfig &c,
                           const std::vector<uint8_t> &codes, int64_t n,
                           uint8_t byte) {
  const pqrt::ElementType type = pqrt::codeType(c);
  const size_t size = size_t(pqrt::elementSize(type));
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t j = n; j < c.codeCapacity; ++j) {
      for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
        for (int64_t s = 0; s < c.subspaces; ++s) {
          const size_t at = size_t(pqrt::codeOffset(c, b, j, kv, s)) * size;
          if (!allBytes(codes.data() + at, size, byte)) {
            return "codebook: spare row " + str(j) + " (past n = " + str(n) +
                   ") of b " + str(b) + ", kv " + str(kv) + ", s " + str(s) +
                   " was written";
          }
        }
      }
    }
  }
  return std::string();
}

class BuildChecker {
public:
  BuildChecker(Backend &backend, const pqrt::Bundle &bundle,
               const BundleFacts &facts, Runner &runner, int64_t maxBatch,
               const HarnessOptions &options, BundleReport &report)
      : backend(backend), bundle(bundle), facts(facts), runner(runner),
        maxBatch(maxBatch), options(options), report(report) {}

  void runCases(const std::vector<BuildCaseSpec> &plan);
  void runValidation();

private:
  Backend &backend;
  const pqrt::Bundle &bundle;
  const BundleFacts &facts;
  Runner &runner;
  const int64_t maxBatch;
  const HarnessOptions &options;
  BundleReport &report;

  void add(const char *check, const std::string &subject,
           const std::string &error) {
    report.checks.push_back({check, subject, error});
  }

  /// One build from outputs filled with `byte`.
  std::string runOnce(DeviceBuild &dev, const PreparedBuild &p,
                      bool passInitial, uint8_t byte, BuiltIndex &out) {
    std::string error = dev.reset(byte);
    if (!error.empty()) {
      return "reset: " + error;
    }
    int64_t count = 0;
    pqrt_build build = dev.build(*p.host, p.spec, passInitial, &count);
    std::string message;
    pqrt_status status = runner.build(build, message);
    if (status != PQRT_OK) {
      return "pqrt_indexer_build: " + statusText(status, message);
    }
    error = backend.synchronize();
    if (!error.empty()) {
      return "the kernels failed: " + error;
    }
    error = dev.fetch(out);
    out.count = count;
    return error.empty() ? std::string() : "fetch: " + error;
  }

  /// `summary` gets compareBuild's one line (codes, near-ties, centroids).
  std::string checkReference(const PreparedBuild &p, const BuiltIndex &got,
                             uint8_t byte, std::string &summary) {
    const StepConfig &c = p.host->config;
    const int64_t n = p.spec.indexedKeys(c);
    if (got.count != n) {
      return "num_cached: " + str(got.count) + " after the build, expected " +
             str(n);
    }
    std::string error = checkSpareRows(c, got.codebook, n, byte);
    if (!error.empty()) {
      return error;
    }
    if (!p.spec.iterations && !allBytes(&got.iterations, 8, byte)) {
      return "iterations: written although the call passed NULL";
    }
    const pqhost::BuildOutputs reference{p.centroids.data(), p.phi.data(),
                                         p.codebook.data(), &p.iterations};
    pqhost::BuildCheckOptions rules;
    rules.allowDivergence = p.spec.kmeansIter >= 1; // T = 0 cannot diverge
    pqhost::BuildComparison comparison =
        pqhost::compareBuild(c, p.spec.seqLen, p.host->key.data(), reference,
                             got.outputs(p.spec.iterations), rules);
    if (!comparison.status.ok()) {
      return "differs from the CPU reference build: " +
             comparison.status.message;
    }
    if (comparison.nearTies > 0 || comparison.diverged > 0) {
      ++report.nearTieBuilds;
      report.nearTieCodes += comparison.nearTies;
      report.divergedCodes += comparison.diverged;
    }
    summary = comparison.summary();
    return std::string();
  }

  /// "" when `again` equals `first` bit for bit (what a build writes).
  std::string sameBuild(const PreparedBuild &p, const BuiltIndex &first,
                        const BuiltIndex &again) {
    const StepConfig &c = p.host->config;
    if (again.centroids != first.centroids) {
      return "the centroids differ";
    }
    if (c.metric == pqrt::Metric::InnerProduct && again.phi != first.phi) {
      return "phi differs";
    }
    if (p.spec.iterations && again.iterations != first.iterations) {
      return "iterations " + str(again.iterations) + " against " +
             str(first.iterations);
    }
    if (again.count != first.count) {
      return "num_cached " + str(again.count) + " against " + str(first.count);
    }
    return compareCodes(c, again.codebook, first.codebook,
                        p.spec.indexedKeys(c));
  }

  std::string checkDeterminism(DeviceBuild &dev, const PreparedBuild &p,
                               bool passInitial, const BuiltIndex &first) {
    for (int run = 1; run <= options.determinismRuns; ++run) {
      BuiltIndex again;
      std::string error = runOnce(dev, p, passInitial, fillByte(run), again);
      if (error.empty()) {
        error = sameBuild(p, first, again);
      }
      if (!error.empty()) {
        return "run " + str(run) + " against run 0: " + error;
      }
    }
    return std::string();
  }

  /// The kernels' draw (NULL indices) against the host's draw uploaded.
  std::string checkSeeded(DeviceBuild &dev, const PreparedBuild &p,
                          const BuiltIndex &drawn) {
    std::string error = dev.uploadInitial(p.initial);
    BuiltIndex given;
    if (error.empty()) {
      error = runOnce(dev, p, true, fillByte(1), given);
    }
    if (error.empty()) {
      error = sameBuild(p, drawn, given);
      if (!error.empty()) {
        error = "with pqrt::initialIndices uploaded, unlike the kernels' own "
                "draw: " +
                error;
      }
    }
    return error;
  }

  void runCase(const PreparedBuild &p) {
    const std::string subject = p.spec.describe(facts.config);
    ++report.cases;
    if (!p.error.empty()) {
      add("build", subject, "preparing the case: " + p.error);
      return;
    }
    const bool given = p.spec.init == BuildInit::Given;
    DeviceBuild dev(backend);
    std::string error = dev.allocate(*p.host);
    if (error.empty() && given) {
      error = dev.uploadInitial(p.initial);
    }
    BuiltIndex first;
    if (error.empty()) {
      error = runOnce(dev, p, given, fillByte(0), first);
    }
    std::string summary;
    if (error.empty()) {
      error = checkReference(p, first, fillByte(0), summary);
    }
    add("build", summary.empty() ? subject : subject + ": " + summary, error);
    if (!error.empty()) {
      return;
    }
    if (p.spec.determinism) {
      add("build-determinism",
          subject + " x" + str(options.determinismRuns),
          checkDeterminism(dev, p, given, first));
    }
    if (p.spec.seeded && !given) {
      add("build-seeded", subject, checkSeeded(dev, p, first));
    }
    if (!p.spec.stepSeqLens.empty() && backend.brokenReason().empty()) {
      add("build-steps", subject,
          runBuildSteps(backend, runner, dev, p, first));
    }
  }

  /// A build that must be rejected before anything is launched.
  std::string checkRejected(DeviceBuild &dev, const StepBuffers &host,
                            const BuildCaseSpec &spec, const std::string &word,
                            const std::function<void(pqrt_build &)> &mutate,
                            std::string &message);
  void rejectOn(const StepBuffers &host, const BuildCaseSpec &spec,
                const std::string &what, const std::string &word,
                const std::function<void(pqrt_build &)> &mutate);
};

void BuildChecker::runCases(const std::vector<BuildCaseSpec> &plan) {
  // The CPU reference builds are the slow part: made on worker threads.
  std::vector<std::future<PreparedBuild>> made;
  for (const BuildCaseSpec &spec : plan) {
    made.push_back(std::async(std::launch::async, prepareBuild,
                              std::cref(facts.config), spec));
  }
  for (size_t i = 0; i < made.size(); ++i) {
    PreparedBuild p;
    try {
      p = made[i].get();
    } catch (const std::exception &error) {
      p.spec = plan[i];
      p.error = std::string("exception: ") + error.what();
    }
    if (!backend.brokenReason().empty()) {
      continue; // let the others finish; runBundle reports it
    }
    runCase(p);
  }
}

std::string BuildChecker::checkRejected(
    DeviceBuild &dev, const StepBuffers &host, const BuildCaseSpec &spec,
    const std::string &word, const std::function<void(pqrt_build &)> &mutate,
    std::string &message) {
  const uint8_t byte = fillByte(3);
  std::string error = dev.reset(byte);
  if (!error.empty()) {
    return "reset: " + error;
  }
  const int64_t sentinel = -12345;
  int64_t count = sentinel;
  pqrt_build build = dev.build(host, spec, false, &count);
  mutate(build);
  pqrt_status hostStatus =
      pqrt_bundle_validate_build(bundle.get(), maxBatch, &build);
  pqrt_status status = runner.build(build, message);
  std::string syncError = backend.synchronize();
  if (status != PQRT_INVALID_ARGUMENT) {
    return "expected PQRT_INVALID_ARGUMENT, got " + statusText(status, message);
  }
  if (hostStatus != status) {
    return std::string("pqrt_bundle_validate_build returned ") +
           pqrt_status_name(hostStatus) + " where the indexer returned " +
           pqrt_status_name(status);
  }
  if (!containsWord(message, word)) {
    return "the message does not name '" + word + "': " + message;
  }
  if (count != sentinel) {
    return "num_cached changed to " + str(count);
  }
  if (!syncError.empty()) {
    return syncError;
  }
  BuiltIndex after;
  error = dev.fetch(after);
  if (error.empty() &&
      !(allBytes(after.centroids.data(), after.centroids.size(), byte) &&
        allBytes(after.phi.data(), after.phi.size() * sizeof(float), byte) &&
        allBytes(after.codebook.data(), after.codebook.size(), byte) &&
        allBytes(&after.iterations, sizeof(int64_t), byte))) {
    error = "a rejected build wrote its outputs";
  }
  return error;
}

void BuildChecker::rejectOn(const StepBuffers &host, const BuildCaseSpec &spec,
                            const std::string &what, const std::string &word,
                            const std::function<void(pqrt_build &)> &mutate) {
  DeviceBuild dev(backend);
  std::string error = dev.allocate(host);
  std::string message;
  if (error.empty()) {
    error = checkRejected(dev, host, spec, word, mutate, message);
  }
  add("build-validation", what, error);
  if (error.empty() && options.verbose) {
    report.notes.push_back("build " + what + " -> " + message);
  }
}

void BuildChecker::runValidation() {
  const StepConfig &c = facts.config;
  BuildCaseSpec spec;
  spec.label = "validation";
  spec.batch = facts.staticBatch ? facts.staticBatch : 1;
  spec.seqLen = c.initOffset + c.centroids();
  spec.kmeansIter = 2;
  spec.seed = hashName(report.name) ^ options.plan.seed;
  StepConfig base = c;
  base.batch = spec.batch;
  base.keyCapacity = spec.seqLen;
  base.codeCapacity = spec.indexedKeys(c);
  StepBuffers host(base, spec.seqLen, 0);
  const int64_t sk = spec.seqLen, n = spec.indexedKeys(c);
  const std::string where = " (b=" + str(spec.batch) + " sk=" + str(sk) + ")";
  auto reject = [&](const std::string &what, const std::string &word,
                    const std::function<void(pqrt_build &)> &mutate) {
    rejectOn(host, spec, what + where, word, mutate);
  };
  reject("kmeans_iter = -1", "kmeans_iter",
         [](pqrt_build &b) { b.kmeans_iter = -1; });
  reject("kmeans_iter = PQRT_MAX_KMEANS_ITER + 1", "kmeans_iter",
         [](pqrt_build &b) { b.kmeans_iter = PQRT_MAX_KMEANS_ITER + 1; });
  reject("n = C - 1", "seq_len", [&](pqrt_build &b) { b.seq_len = sk - 1; });
  reject("sk = 0", "sk", [](pqrt_build &b) { b.seq_len = 0; });
  reject("key = NULL", "key", [](pqrt_build &b) { b.key = nullptr; });
  reject("centroids = NULL", "centroids",
         [](pqrt_build &b) { b.centroids = nullptr; });
  reject("codebook = NULL", "codebook",
         [](pqrt_build &b) { b.codebook = nullptr; });
  reject("num_cached = NULL", "num_cached",
         [](pqrt_build &b) { b.num_cached = nullptr; });
  if (c.metric == pqrt::Metric::InnerProduct) {
    reject("phi = NULL with metric ip", "phi",
           [](pqrt_build &b) { b.phi = nullptr; });
  }
  reject("key_capacity = sk - 1", "key_capacity",
         [&](pqrt_build &b) { b.key_capacity = sk - 1; });
  reject("code_capacity = n - 1", "code_capacity",
         [&](pqrt_build &b) { b.code_capacity = n - 1; });
  if (facts.staticBatch > 1) {
    reject("batch = static batch - 1", "batch",
           [&](pqrt_build &b) { b.batch = facts.staticBatch - 1; });
  }
  // Beyond the indexer's max batch and the module's max_seq_len: buffers of
  // the bad call's size, so a launch would stay in bounds.
  {
    StepConfig wide = base;
    wide.batch = maxBatch + 1;
    StepBuffers bigger(wide, sk, 0);
    BuildCaseSpec wideSpec = spec;
    wideSpec.batch = wide.batch;
    rejectOn(bigger, wideSpec,
             "batch = max batch + 1 = " + str(wide.batch) + where, "batch",
             [](pqrt_build &) {});
  }
  {
    StepConfig longer = base;
    longer.keyCapacity = facts.maxSeqLen + 1;
    longer.codeCapacity = facts.maxSeqLen + 1 - c.initOffset;
    StepBuffers bigger(longer, facts.maxSeqLen + 1, 0);
    BuildCaseSpec longSpec = spec;
    longSpec.seqLen = facts.maxSeqLen + 1;
    rejectOn(bigger, longSpec,
             "sk = max_seq_len + 1 = " + str(longSpec.seqLen), "max_seq_len",
             [](pqrt_build &) {});
  }
}

} // namespace

void runBuildChecks(Backend &backend, const pqrt::Bundle &bundle,
                    const BundleFacts &facts, Runner &runner,
                    int64_t maxBatch, const HarnessOptions &options,
                    BundleReport &report) {
  BuildChecker checker(backend, bundle, facts, runner, maxBatch, options,
                       report);
  const std::vector<BuildCaseSpec> plan = planBuildCases(
      facts, report.name, maxBatch, options.plan, options.buildBudget);
  if (plan.empty()) {
    report.notes.push_back("no index build case: max_seq_len - init_offset "
                           "is below C, or every case is over the budget");
  }
  checker.runCases(plan);
  if (backend.brokenReason().empty()) {
    checker.runValidation();
  }
}

} // namespace pqgpu
