//===- Harness.cpp - The checks the GPU tests make on one bundle ----------===//

#include "Harness.h"
#include "CheckUtil.h"

#include "BuildChecks.h"
#include "CApiStep.h"

#include "pqrt/CConfig.h"
#include "pqrt/Compare.h"
#include "pqrt/Layout.h"
#include "pqhost/RandomInputs.h"
#include "pqrt/Reference.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace pqgpu {

using pqrt::StepBuffers;
using pqrt::StepConfig;

namespace {

/// Host copies of what one run left in device memory.
struct Fetched {
  std::vector<uint8_t> list, weight, codebook;
  std::vector<int64_t> len;
  int64_t count = 0; // num_cached after the call
  pqrt::StepOutputs outputs() const {
    return {list.data(), len.data(), weight.data()};
  }
};

/// Device buffers mirroring one StepBuffers.
class DeviceStep {
public:
  explicit DeviceStep(Backend &backend) : backend(backend) {}
  ~DeviceStep() {
    for (DevPtr pointer : owned) {
      backend.release(pointer);
    }
  }
  DeviceStep(const DeviceStep &) = delete;
  DeviceStep &operator=(const DeviceStep &) = delete;

  /// Allocates what `host` has (the key only with `withKey`) and uploads
  /// its inputs; outputs and codebook are set by reset().
  /// `codeShift` codes of padding put the codebook off its allocation's
  /// alignment.
  std::string allocate(const StepBuffers &host, bool withKey,
                       int64_t codeShift = 0) {
    hasKey = withKey;
    listBytes = host.sparseList.size();
    weightBytes = host.weightList.size();
    lenBytes = host.sparseLen.size() * sizeof(int64_t);
    codeBytes = host.codebook.size();
    std::string error = make(query, host.query.data(), host.query.size());
    if (error.empty() && withKey) {
      error = make(key, host.key.data(), host.key.size());
    }
    if (error.empty()) {
      error = make(centroids, host.centroids.data(), host.centroids.size());
    }
    if (error.empty()) {
      error = make(phi, host.phi.data(), host.phi.size() * sizeof(float));
    }
    const size_t shiftBytes = size_t(
        codeShift * pqrt::elementSize(pqrt::codeType(host.config)));
    if (error.empty()) {
      error = make(codebook, nullptr, codeBytes + shiftBytes);
      codebook += shiftBytes;
    }
    for (auto item : {std::make_pair(&list, listBytes),
                      std::make_pair(&len, lenBytes),
                      std::make_pair(&weight, weightBytes)}) {
      if (error.empty()) {
        error = make(*item.first, nullptr, item.second);
      }
    }
    return error;
  }

  /// Outputs filled with `byte`, the codebook set to `codes`.
  std::string reset(const std::vector<uint8_t> &codes, uint8_t byte) {
    std::vector<uint8_t> fill(std::max({listBytes, weightBytes, lenBytes}),
                              byte);
    std::string error = backend.upload(list, fill.data(), listBytes);
    if (error.empty()) {
      error = backend.upload(len, fill.data(), lenBytes);
    }
    if (error.empty()) {
      error = backend.upload(weight, fill.data(), weightBytes);
    }
    if (error.empty()) {
      error = backend.upload(codebook, codes.data(), codeBytes);
    }
    return error;
  }

  std::string fetch(Fetched &out) const {
    out.list.resize(listBytes);
    out.weight.resize(weightBytes);
    out.codebook.resize(codeBytes);
    out.len.resize(lenBytes / sizeof(int64_t));
    std::string error = backend.download(out.list.data(), list, listBytes);
    if (error.empty()) {
      error = backend.download(out.len.data(), len, lenBytes);
    }
    if (error.empty()) {
      error = backend.download(out.weight.data(), weight, weightBytes);
    }
    if (error.empty()) {
      error = backend.download(out.codebook.data(), codebook, codeBytes);
    }
    return error;
  }

  /// The pqrt_step of `host` (sizes, capacities) on these device buffers.
  pqrt_step step(StepBuffers &host, int64_t *count) const {
    pqrt_step s = pqrt::test::cStep(host);
    s.query = pointer(query);
    s.key = hasKey ? pointer(key) : nullptr;
    s.centroids = pointer(centroids);
    s.phi = s.phi ? static_cast<const float *>(pointer(phi)) : nullptr;
    s.codebook = pointer(codebook);
    s.num_cached = count;
    s.sparse_list = pointer(list);
    s.sparse_len = static_cast<int64_t *>(pointer(len));
    s.weight_list = pointer(weight);
    return s;
  }

private:
  Backend &backend;
  std::vector<DevPtr> owned;
  DevPtr query = 0, key = 0, centroids = 0, phi = 0, codebook = 0, list = 0,
         len = 0, weight = 0;
  size_t listBytes = 0, weightBytes = 0, lenBytes = 0, codeBytes = 0;
  bool hasKey = true;

  static void *pointer(DevPtr p) { return reinterpret_cast<void *>(p); }

  std::string make(DevPtr &out, const void *data, size_t bytes) {
    std::string error = backend.alloc(bytes, out);
    if (!error.empty()) {
      return error;
    }
    owned.push_back(out);
    return data ? backend.upload(out, data, bytes) : std::string();
  }
};

/// "" when `got` equals `expected` byte for byte, else the first differing
/// code, named by (b, row, kv, s) and whether the row was cached, new or
/// spare capacity.
std::string compareCodebook(const StepConfig &c, const std::vector<uint8_t> &got,
                            const std::vector<uint8_t> &expected,
                            const char *expectedName, int64_t numCached,
                            int64_t n) {
  if (got.size() != expected.size()) {
    return "codebook: " + str(int64_t(got.size())) + " bytes, expected " +
           str(int64_t(expected.size()));
  }
  if (std::memcmp(got.data(), expected.data(), got.size()) == 0) {
    return std::string();
  }
  const pqrt::ElementType type = pqrt::codeType(c);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t j = 0; j < c.codeCapacity; ++j) {
      for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
        for (int64_t s = 0; s < c.subspaces; ++s) {
          const int64_t at = pqrt::codeOffset(c, b, j, kv, s);
          const int64_t g = pqrt::loadInt(type, got.data(), at);
          const int64_t e = pqrt::loadInt(type, expected.data(), at);
          if (g != e) {
            const char *row = j < numCached ? "cached row"
                              : j < n       ? "row past n_cached"
                                            : "spare row past n";
            return "codebook: b " + str(b) + ", row " + str(j) + " (" + row +
                   "), kv " + str(kv) + ", s " + str(s) + ": got " + str(g) +
                   ", " + expectedName + " " + str(e);
          }
        }
      }
    }
  }
  return "codebook: bytes past the last code changed";
}

/// Outputs all equal to `byte` and the codebook equal to `codes`.
std::string checkUntouched(const Fetched &got, uint8_t byte,
                           const std::vector<uint8_t> &codes) {
  if (!allBytes(got.list.data(), got.list.size(), byte)) {
    return "sparse_list was written";
  }
  if (!allBytes(got.len.data(), got.len.size() * sizeof(int64_t), byte)) {
    return "sparse_len was written";
  }
  if (!allBytes(got.weight.data(), got.weight.size(), byte)) {
    return "weight_list was written";
  }
  if (got.codebook != codes) {
    return "the codebook was written";
  }
  return std::string();
}

/// The checks of one bundle, in the order runBundle calls them.
class BundleChecker {
public:
  BundleChecker(Backend &backend, const pqrt::Bundle &bundle,
                const BundleFacts &facts, Runner &runner, int64_t maxBatch,
                const HarnessOptions &options, BundleReport &report)
      : backend(backend), bundle(bundle), facts(facts), runner(runner),
        maxBatch(maxBatch), options(options), report(report) {}

  /// The cases made by `prefetcher`, in plan order.
  void runPrefetched(const std::vector<CaseSpec> &plan, Prefetcher &prefetcher,
                     const std::string &name) {
    for (size_t i = 0; i < plan.size(); ++i) {
      if (!backend.brokenReason().empty()) {
        break;
      }
      PreparedCase prepared;
      try {
        prepared = prefetcher.take(name, i);
      } catch (const std::exception &error) {
        prepared.spec = plan[i];
        prepared.error = std::string("exception: ") + error.what();
      }
      runCase(prepared);
    }
    prefetcher.discard(name);
  }

  void runCases(const std::vector<CaseSpec> &plan) {
    // Inputs and reference outputs are made on worker threads, a few cases
    // ahead of the device, which takes them in plan order.
    std::deque<std::future<PreparedCase>> ahead;
    size_t next = 0;
    const size_t workers = size_t(std::max(1, options.workers));
    auto launch = [&] {
      while (next < plan.size() && ahead.size() < workers) {
        ahead.push_back(std::async(std::launch::async, prepareCase,
                                   std::cref(facts.config), plan[next++]));
      }
    };
    launch();
    for (size_t i = 0; i < plan.size(); ++i) {
      PreparedCase prepared;
      try {
        prepared = ahead.front().get();
      } catch (const std::exception &error) {
        prepared.spec = plan[i];
        prepared.error = std::string("exception: ") + error.what();
      }
      ahead.pop_front();
      if (!backend.brokenReason().empty()) {
        for (auto &running : ahead) {
          running.wait(); // let the workers finish; runBundle reports it
        }
        break;
      }
      launch();
      runCase(prepared);
    }
  }

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

  /// One run from a clean state: outputs filled with `byte`, the original
  /// codebook, n_cached as planned.
  std::string runOnce(DeviceStep &dev, PreparedCase &p, uint8_t byte,
                      Fetched &out) {
    std::string error = dev.reset(p.originalCodebook, byte);
    if (!error.empty()) {
      return "reset: " + error;
    }
    int64_t count = p.spec.numCached;
    pqrt_step step = dev.step(*p.host, &count);
    std::string message;
    pqrt_status status = runner.run(step, message);
    if (status != PQRT_OK) {
      return "pqrt_indexer_run: " + statusText(status, message);
    }
    error = backend.synchronize();
    if (!error.empty()) {
      return "the kernels failed: " + error;
    }
    error = dev.fetch(out);
    out.count = count;
    return error.empty() ? std::string() : "fetch: " + error;
  }

  std::string checkReference(PreparedCase &p, const Fetched &got) {
    const StepConfig &c = p.host->config;
    if (got.count != p.expectedCount) {
      return "num_cached: " + str(got.count) + " after the run, expected " +
             str(p.expectedCount);
    }
    pqrt::Status status = pqrt::compareOutputs(
        c, p.spec.seqLen, p.host->outputs(),
        p.spec.full ? nullptr : p.scores.data(), got.outputs());
    if (!status.ok()) {
      return "differs from the CPU reference: " + status.message;
    }
    return compareCodebook(c, got.codebook, p.host->codebook, "reference",
                           p.spec.numCached, p.spec.indexedKeys(c));
  }

  std::string checkDeterminism(DeviceStep &dev, PreparedCase &p,
                               const Fetched &first) {
    const StepConfig &c = p.host->config;
    for (int run = 1; run <= options.determinismRuns; ++run) {
      Fetched again;
      std::string error = runOnce(dev, p, fillByte(run), again);
      if (!error.empty()) {
        return "run " + str(run) + ": " + error;
      }
      pqrt::Status status = pqrt::compareIdentical(
          c, p.spec.seqLen, first.outputs(), again.outputs());
      if (!status.ok()) {
        return "run " + str(run) + " differs from run 0: " + status.message;
      }
      error = compareCodebook(c, again.codebook, first.codebook, "run 0",
                              p.spec.numCached, p.spec.indexedKeys(c));
      if (!error.empty()) {
        return "run " + str(run) + ": " + error;
      }
      if (again.count != first.count) {
        return "run " + str(run) + ": num_cached " + str(again.count) +
               ", run 0 " + str(first.count);
      }
    }
    return std::string();
  }

  std::string checkGraph(DeviceStep &dev, PreparedCase &p,
                         const Fetched &direct) {
    const StepConfig &c = p.host->config;
    const uint8_t before = fillByte(1);
    std::string error = dev.reset(p.originalCodebook, before);
    if (!error.empty()) {
      return "reset: " + error;
    }
    int64_t count = p.spec.numCached;
    pqrt_step step = dev.step(*p.host, &count);
    error = backend.beginCapture();
    if (!error.empty()) {
      return error;
    }
    std::string message;
    pqrt_status status = runner.run(step, message);
    std::string endError = backend.endCapture();
    if (status != PQRT_OK) {
      backend.dropGraph();
      return "pqrt_indexer_run under capture: " + statusText(status, message) +
             (endError.empty() ? std::string() : "; then " + endError);
    }
    if (!endError.empty()) {
      backend.dropGraph();
      return endError;
    }
    if (count != p.expectedCount) {
      backend.dropGraph();
      return "num_cached after the captured run: " + str(count) +
             ", expected " + str(p.expectedCount);
    }
    Fetched captured;
    error = backend.synchronize();
    if (error.empty()) {
      error = dev.fetch(captured);
    }
    if (error.empty()) {
      error = checkUntouched(captured, before, p.originalCodebook);
      if (!error.empty()) {
        error = "capturing ran the step eagerly: " + error;
      }
    }
    for (int replay = 0; replay < 2 && error.empty(); ++replay) {
      error = dev.reset(p.originalCodebook, fillByte(2 + replay));
      if (error.empty()) {
        error = backend.replay();
      }
      if (error.empty()) {
        error = backend.synchronize();
      }
      Fetched replayed;
      if (error.empty()) {
        error = dev.fetch(replayed);
      }
      if (!error.empty()) {
        error = "replay " + str(replay) + ": " + error;
        break;
      }
      pqrt::Status same = pqrt::compareIdentical(
          c, p.spec.seqLen, direct.outputs(), replayed.outputs());
      if (!same.ok()) {
        error = "replay " + str(replay) +
                " differs from the direct run: " + same.message;
        break;
      }
      error = compareCodebook(c, replayed.codebook, direct.codebook,
                              "direct run", p.spec.numCached,
                              p.spec.indexedKeys(c));
      if (!error.empty()) {
        error = "replay " + str(replay) + ": " + error;
      }
    }
    backend.dropGraph();
    return error;
  }

  void runCase(PreparedCase &p) {
    const std::string subject = p.spec.describe(facts.config);
    ++report.cases;
    if (!p.error.empty()) {
      add("differential", subject, "preparing the case: " + p.error);
      return;
    }
    DeviceStep dev(backend);
    std::string error =
        dev.allocate(*p.host, !p.spec.nullKey, p.spec.codeShift);
    Fetched direct;
    if (error.empty()) {
      error = runOnce(dev, p, fillByte(0), direct);
    }
    if (error.empty()) {
      error = checkReference(p, direct);
    }
    add("differential", subject, error);
    if (!error.empty()) {
      return; // determinism and graph compare with this run
    }
    if (p.spec.determinism) {
      add("determinism", subject + " x" + str(options.determinismRuns),
          checkDeterminism(dev, p, direct));
    }
    if (p.spec.graph) {
      add("graph", subject, checkGraph(dev, p, direct));
    }
  }

  /// A call that must be rejected before anything is launched.
  std::string checkRejected(DeviceStep &dev, StepBuffers &host,
                            const std::vector<uint8_t> &codes,
                            int64_t numCached, const std::string &word,
                            const std::function<void(pqrt_step &)> &mutate,
                            std::string &message) {
    const uint8_t byte = fillByte(0);
    std::string error = dev.reset(codes, byte);
    if (!error.empty()) {
      return "reset: " + error;
    }
    int64_t count = numCached;
    pqrt_step step = dev.step(host, &count);
    mutate(step);
    const int64_t before = step.num_cached ? *step.num_cached : 0;
    pqrt_status hostStatus =
        pqrt_bundle_validate_step(bundle.get(), maxBatch, &step);
    pqrt_status status = runner.run(step, message);
    std::string syncError = backend.synchronize();
    if (status != PQRT_INVALID_ARGUMENT) {
      return "expected PQRT_INVALID_ARGUMENT, got " +
             statusText(status, message);
    }
    if (hostStatus != status) {
      return std::string("pqrt_bundle_validate_step returned ") +
             pqrt_status_name(hostStatus) + " where the indexer returned " +
             pqrt_status_name(status);
    }
    if (!containsWord(message, word)) {
      return "the message does not name '" + word + "': " + message;
    }
    if (step.num_cached && *step.num_cached != before) {
      return "num_cached changed from " + str(before) + " to " +
             str(*step.num_cached);
    }
    if (!syncError.empty()) {
      return syncError;
    }
    Fetched after;
    error = dev.fetch(after);
    if (error.empty()) {
      error = checkUntouched(after, byte, codes);
    }
    return error;
  }
};

void BundleChecker::runValidation() {
  const StepConfig &c = facts.config;
  const int64_t threshold = fullAttentionThreshold(c);
  const int64_t batch = facts.staticBatch ? facts.staticBatch : 1;
  CaseSpec spec;
  spec.label = "validation";
  spec.batch = batch;
  spec.seqLen = threshold + 1 <= facts.maxSeqLen
                    ? threshold + 1
                    : std::min(threshold, facts.maxSeqLen);
  spec.full = spec.seqLen <= threshold;
  const int64_t n = spec.indexedKeys(c);
  spec.numCached = facts.quantize && !spec.full ? n - 1 : n;
  spec.seed = hashName(report.name) ^ options.plan.seed;
  PreparedCase p = prepareCase(c, spec);
  if (!p.error.empty()) {
    add("validation", spec.describe(c), "preparing the case: " + p.error);
    return;
  }
  DeviceStep dev(backend);
  std::string error = dev.allocate(*p.host, true);
  if (!error.empty()) {
    add("validation", spec.describe(c), error);
    return;
  }
  const int64_t sk = spec.seqLen;
  const bool newKeys = spec.numCached < n;
  auto reject = [&](const std::string &what, const std::string &word,
                    const std::function<void(pqrt_step &)> &mutate) {
    std::string message;
    std::string failure = checkRejected(dev, *p.host, p.originalCodebook,
                                        spec.numCached, word, mutate, message);
    add("validation", what + " (b=" + str(batch) + " sk=" + str(sk) + ")",
        failure);
    if (failure.empty() && options.verbose) {
      report.notes.push_back(what + " -> " + message);
    }
  };

  if (!spec.full) {
    int64_t tooMany = n + 1, negative = -1;
    reject("n_cached = n + 1", "n_cached", [&](pqrt_step &s) {
      *s.num_cached = tooMany;
    });
    reject("n_cached = -1", "n_cached", [&](pqrt_step &s) {
      *s.num_cached = negative;
    });
    reject("num_cached = NULL", "num_cached",
           [&](pqrt_step &s) { s.num_cached = nullptr; });
    if (!facts.quantize && n > 0) {
      reject("n_cached = n - 1 on a module that does not quantize",
             "n_cached", [&](pqrt_step &s) { *s.num_cached = n - 1; });
    }
    reject("query = NULL", "query", [&](pqrt_step &s) { s.query = nullptr; });
    reject("code_capacity = n - 1", "code_capacity",
           [&](pqrt_step &s) { s.code_capacity = n - 1; });
    if (newKeys) {
      reject("key_capacity = sk - 1 with a key to quantize", "key_capacity",
             [&](pqrt_step &s) { s.key_capacity = sk - 1; });
      if (c.metric == pqrt::Metric::InnerProduct) {
        reject("phi = NULL with metric ip", "phi",
               [&](pqrt_step &s) { s.phi = nullptr; });
      }
    }
  }
  reject("sk = 0", "sk", [&](pqrt_step &s) { s.seq_len = 0; });
  if (facts.staticBatch > 1) {
    reject("batch = static batch - 1", "batch",
           [&](pqrt_step &s) { s.batch = facts.staticBatch - 1; });
  }

  // Beyond the module's bound, and beyond the indexer's max batch: buffers
  // of the right size for the bad call, so a launch would stay in bounds.
  {
    StepConfig big = c;
    big.batch = batch;
    big.keyCapacity = 1; // every key cached: the key is never read
    const int64_t bigSk = facts.maxSeqLen + 1;
    const int64_t bigN = std::max<int64_t>(bigSk - c.initOffset, 0);
    StepBuffers host(big, bigSk, bigN);
    DeviceStep bigDev(backend);
    std::string allocError = bigDev.allocate(host, true);
    const std::string what = "sk = max_seq_len + 1 = " + str(bigSk);
    if (!allocError.empty()) {
      add("validation", what, allocError);
    } else {
      std::string message;
      std::string failure = checkRejected(bigDev, host, host.codebook, bigN,
                                          "max_seq_len",
                                          [](pqrt_step &) {}, message);
      add("validation", what, failure);
      if (failure.empty() && options.verbose) {
        report.notes.push_back(what + " -> " + message);
      }
    }
  }
  {
    StepConfig wide = c;
    wide.batch = maxBatch + 1;
    StepBuffers host(wide, sk, spec.numCached);
    DeviceStep wideDev(backend);
    std::string allocError = wideDev.allocate(host, true);
    const std::string what = "batch = max batch + 1 = " + str(maxBatch + 1);
    if (!allocError.empty()) {
      add("validation", what, allocError);
    } else {
      std::string message;
      std::string failure =
          checkRejected(wideDev, host, host.codebook, spec.numCached, "batch",
                        [](pqrt_step &) {}, message);
      add("validation", what + " (sk=" + str(sk) + ")", failure);
      if (failure.empty() && options.verbose) {
        report.notes.push_back(what + " -> " + message);
      }
    }
  }
}

} // namespace

pqrt::StepConfig stepConfigOf(const pqrt_config &in) {
  StepConfig c;
  pqrt::Status status = pqrt::capi::fromCConfig(&in, c);
  if (!status.ok()) {
    throw pqrt::Error(PQRT_INVALID_ARGUMENT, status.message);
  }
  return c;
}

BundleFacts bundleFacts(const pqrt::Bundle &bundle) {
  BundleFacts facts;
  facts.config = stepConfigOf(bundle.config());
  pqrt_bundle_info info = bundle.info();
  facts.staticBatch = info.static_batch;
  facts.maxSeqLen = info.max_seq_len;
  facts.quantize = info.quantize != 0;
  facts.strategy = info.strategy ? info.strategy : "?";
  facts.hasBuild = info.has_build != 0;
  return facts;
}

std::string describeFacts(const BundleFacts &f) {
  const StepConfig &c = f.config;
  std::ostringstream out;
  out << f.strategy << " " << pqrt::layoutName(c.layout) << "/"
      << pqrt::metricName(c.metric) << " h" << c.heads << "/kv" << c.kvHeads
      << " d" << c.headDim << " S" << c.subspaces << " bits" << c.bits
      << " sink" << c.sink << " win" << c.window << " heavy" << c.heavy
      << " init" << c.initOffset << " " << pqrt::elementTypeName(c.queryType)
      << "/" << pqrt::elementTypeName(c.centroidType) << ">"
      << pqrt::elementTypeName(c.weightType) << ","
      << pqrt::elementTypeName(c.indexType)
      << (f.quantize ? " quantize" : " no-quantize") << " max" << f.maxSeqLen
      << " batch " << (f.staticBatch ? str(f.staticBatch) : "dynamic")
      << (f.hasBuild ? " +build" : "");
  return out.str();
}

PreparedCase prepareCase(const StepConfig &base, const CaseSpec &spec) {
  PreparedCase p;
  p.spec = spec;
  StepConfig c = base;
  c.batch = spec.batch;
  const int64_t n = spec.indexedKeys(base);
  c.keyCapacity = spec.keyExtra > 0 ? spec.seqLen + spec.keyExtra : 0;
  c.codeCapacity = spec.codeExtra > 0 ? n + spec.codeExtra : 0;
  if (pqrt::stepBufferBytes(c, spec.seqLen) < 0) {
    p.error = "buffer sizes overflow";
    return p;
  }
  p.host = std::make_unique<StepBuffers>(
      pqrt::makeRandomStep(c, spec.seqLen, spec.numCached, spec.seed,
                           spec.mode));
  p.originalCodebook = p.host->codebook;
  pqrt::StepArgs args = p.host->args();
  if (spec.nullKey) {
    args.key = nullptr; // nothing to quantize: the reference must not need it
  }
  pqrt::Status status = pqrt::referenceStep(p.host->config, args);
  if (!status.ok()) {
    p.error = "the CPU reference rejected it: " + status.message;
    return p;
  }
  p.expectedCount = p.host->numCached;
  const int64_t expected = spec.full ? spec.numCached : n;
  if (p.expectedCount != expected) {
    p.error = "the CPU reference left num_cached " + str(p.expectedCount) +
              ", expected " + str(expected);
    return p;
  }
  if (!spec.full) {
    status = pqrt::referenceScores(p.host->config, p.host->args(), p.scores);
    if (!status.ok()) {
      p.error = "referenceScores: " + status.message;
    }
  }
  return p;
}

int BundleReport::passed() const {
  return int(std::count_if(checks.begin(), checks.end(),
                           [](const CheckResult &r) { return r.passed(); }));
}

int BundleReport::failed() const { return int(checks.size()) - passed(); }

std::string BundleReport::summaryLine() const {
  std::ostringstream out;
  out << name << " [" << config << "]: ";
  if (!skipped.empty()) {
    out << "SKIPPED (" << skipped << ")";
    return out.str();
  }
  out << cases << " cases, " << checks.size() << " checks: " << passed()
      << " passed, " << failed() << " failed (";
  const char *kinds[] = {"differential",     "determinism",
                         "graph",            "validation",
                         "build",            "build-seeded",
                         "build-determinism", "build-validation",
                         "build-steps"};
  bool first = true;
  for (const char *kind : kinds) {
    int total = 0, good = 0;
    for (const CheckResult &r : checks) {
      if (r.check == kind) {
        ++total;
        good += r.passed() ? 1 : 0;
      }
    }
    if (total) {
      out << (first ? "" : ", ") << kind << " " << good << "/" << total;
      first = false;
    }
  }
  out << ") " << std::fixed << std::setprecision(1) << seconds << "s";
  if (nearTieBuilds > 0) {
    out << "; " << nearTieBuilds << " build(s) with " << nearTieCodes
        << " near-tie code(s) and " << divergedCodes
        << " code(s) of diverged runs, centroids not compared there";
  }
  return out.str();
}

PlanOptions planOptionsFor(const HarnessOptions &options,
                           const Backend &backend) {
  PlanOptions plan = options.plan;
  plan.smCount = backend.smCount();
  return plan;
}

struct Prefetcher::Item {
  const BundleFacts *facts = nullptr;
  CaseSpec spec;
  std::future<PreparedCase> made;
  bool launched = false, taken = false;
};

struct Prefetcher::Bundle {
  std::string name;
  BundleFacts facts;
  std::vector<CaseSpec> plan;
  std::vector<std::unique_ptr<Item>> items;
};

Prefetcher::Prefetcher(int workers) : workers(std::max(1, workers)) {}

Prefetcher::~Prefetcher() {
  for (Item *item : order) {
    if (item->launched && !item->taken) {
      item->made.wait();
    }
  }
}

void Prefetcher::addBundle(const std::string &name, const BundleFacts &facts,
                           std::vector<CaseSpec> plan) {
  auto bundle = std::make_unique<Bundle>();
  bundle->name = name;
  bundle->facts = facts;
  bundle->plan = std::move(plan);
  for (const CaseSpec &spec : bundle->plan) {
    auto item = std::make_unique<Item>();
    item->facts = &bundle->facts;
    item->spec = spec;
    order.push_back(item.get());
    bundle->items.push_back(std::move(item));
  }
  bundles.push_back(std::move(bundle));
  topUp();
}

Prefetcher::Bundle *Prefetcher::find(const std::string &name) const {
  for (const auto &bundle : bundles) {
    if (bundle->name == name) {
      return bundle.get();
    }
  }
  return nullptr;
}

const std::vector<CaseSpec> *Prefetcher::plan(const std::string &name) const {
  Bundle *bundle = find(name);
  return bundle ? &bundle->plan : nullptr;
}

void Prefetcher::launch(Item &item) {
  item.launched = true;
  ++pending;
  item.made = std::async(std::launch::async, prepareCase,
                         std::cref(item.facts->config), item.spec);
}

void Prefetcher::topUp() {
  while (cursor < order.size() && pending < workers) {
    Item &item = *order[cursor++];
    if (!item.launched && !item.taken) {
      launch(item);
    }
  }
}

PreparedCase Prefetcher::take(const std::string &name, size_t index) {
  Bundle *bundle = find(name);
  if (!bundle || index >= bundle->items.size() ||
      bundle->items[index]->taken) {
    throw std::logic_error("Prefetcher: no case " + str(int64_t(index)) +
                           " of " + name + " to take");
  }
  Item &item = *bundle->items[index];
  if (!item.launched) {
    launch(item);
  }
  item.taken = true;
  --pending;
  topUp();
  return item.made.get(); // rethrows what preparing threw
}

void Prefetcher::discard(const std::string &name) {
  Bundle *bundle = find(name);
  if (!bundle) {
    return;
  }
  for (auto &item : bundle->items) {
    if (!item->taken) {
      item->taken = true;
      if (item->launched) {
        --pending;
        item->made.wait();
        item->made = std::future<PreparedCase>(); // frees the buffers
      }
    }
  }
  topUp();
}

BundleReport runBundle(Backend &backend, const BundleEntry &entry,
                       const HarnessOptions &options, Prefetcher *prefetcher) {
  const auto start = std::chrono::steady_clock::now();
  BundleReport report;
  report.name = entry.name;
  auto finish = [&]() -> BundleReport & {
    report.seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    return report;
  };
  std::unique_ptr<pqrt::Bundle> bundle;
  BundleFacts facts;
  try {
    bundle = std::make_unique<pqrt::Bundle>(pqrt::Bundle::fromFile(entry.path));
    facts = bundleFacts(*bundle);
  } catch (const pqrt::Error &error) {
    report.checks.push_back({"load", entry.path, error.what()});
    return finish();
  }
  report.config = describeFacts(facts);
  if (!backend.brokenReason().empty()) {
    report.checks.push_back(
        {"device", "the CUDA context",
         "not run: broken by an earlier bundle (" + backend.brokenReason() +
             "); rerun from this bundle with --gtest_filter"});
    if (prefetcher) {
      prefetcher->discard(entry.name);
    }
    return finish();
  }
  if (backend.isGpu()) {
    const char *arch = nullptr;
    int isPtx = 0;
    if (pqrt_bundle_select_image(bundle->get(), backend.sm(), &arch, &isPtx) !=
        PQRT_OK) {
      report.skipped = std::string("no image for this device's sm_") +
                       std::to_string(backend.sm()) + ": " + pqrt_last_error();
      if (prefetcher) {
        prefetcher->discard(entry.name);
      }
      return finish();
    }
    report.config += std::string(isPtx ? " PTX-JIT " : " cubin ") + arch;
  }
  const std::vector<CaseSpec> *prefetched =
      prefetcher ? prefetcher->plan(entry.name) : nullptr;
  const std::vector<CaseSpec> plan =
      prefetched ? *prefetched
                 : planCases(facts, entry.name,
                             planOptionsFor(options, backend));
  const int64_t maxBatch = planMaxBatch(facts, plan);
  std::unique_ptr<Runner> runner;
  std::string error = backend.createRunner(
      *bundle, facts.staticBatch ? 0 : maxBatch, runner);
  if (!error.empty()) {
    report.checks.push_back(
        {"create", "indexer with max batch " + str(maxBatch), error});
    if (prefetched) {
      prefetcher->discard(entry.name);
    }
    return finish();
  }
  BundleChecker checker(backend, *bundle, facts, *runner, maxBatch, options,
                        report);
  if (prefetched) {
    checker.runPrefetched(plan, *prefetcher, entry.name);
  } else {
    checker.runCases(plan);
  }
  if (backend.brokenReason().empty()) {
    checker.runValidation();
  }
  if (facts.hasBuild && backend.brokenReason().empty()) {
    runBuildChecks(backend, *bundle, facts, *runner, maxBatch, options,
                   report);
  }
  if (!backend.brokenReason().empty()) {
    report.checks.push_back(
        {"device", "the CUDA context",
         "broken (" + backend.brokenReason() +
             "): the rest of this bundle was not run, and later bundles "
             "will not run in this process"});
  }
  return finish();
}

} // namespace pqgpu
