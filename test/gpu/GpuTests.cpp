//===- GpuTests.cpp - pq-gpu-tests: libpqrt on a GPU against the CPU ------===//
//
// One GoogleTest test per bundle (GpuBundle.<folder>_<name>), registered at
// start-up from the bundles found, plus host-only checks of the plan
// (GpuPlan.*) and of the test's own driver calls (GpuSuite.*). See
// test/gpu/README.md for how to run it on the device machine.
//
// Environment:
//   PQ_GPU_BUNDLES        ':'-separated folders (every *.pqmod) or files;
//                         default build-dev/gpu-bundles and build-dev/bundles
//                         under the working directory, else the repository
//   PQ_GPU_QUICK=1        few small cases per bundle, 3 determinism runs
//                         (the compute-sanitizer subset)
//   PQ_GPU_SEED=N         another draw of sk, n_cached and inputs
//   PQ_GPU_WORKERS=N      threads preparing inputs / reference outputs
//   PQ_GPU_QUANTIZE_BUDGET=X  reference multiply-adds a case may spend on
//                         quantizing before "n_cached = 0" becomes "many new
//                         keys" (default 2.5e8)
//   PQ_GPU_BUILD_BUDGET=X reference multiply-adds an index-build case may
//                         cost (default 1e9); larger cases shrink n, then T
//   PQ_GPU_VERBOSE=1      every check and every rejection message
//   PQ_GPU_TESTS_BACKEND  cuda (default) | cpu | cpu-faulty:KIND -- the CPU
//                         backend runs the harness without a GPU (see
//                         support/Backend.h)
//
//===----------------------------------------------------------------------===//

#include "CApiStep.h"
#include "Harness.h"
#include "Plan.h"
#include "support/Backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <future>
#include <iostream>
#include <map>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#ifndef PQ_SOURCE_DIR
#define PQ_SOURCE_DIR "."
#endif

namespace pqgpu {
namespace {

//===--------------------------- Configuration ----------------------------===//

std::string env(const char *name, const char *fallback = "") {
  const char *value = std::getenv(name);
  return value && *value ? value : fallback;
}

bool envFlag(const char *name) {
  std::string value = env(name);
  return !value.empty() && value != "0";
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isFile(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string baseName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string dirName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string stem(const std::string &file) {
  const std::string suffix = ".pqmod";
  std::string base = baseName(file);
  if (base.size() > suffix.size() &&
      base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0) {
    base.resize(base.size() - suffix.size());
  }
  return base;
}

BundleEntry entryOf(const std::string &file) {
  return {file, baseName(dirName(file)) + "/" + stem(file)};
}

void addFolder(const std::string &folder, std::vector<BundleEntry> &out) {
  std::vector<std::string> files;
  if (DIR *dir = opendir(folder.c_str())) {
    while (dirent *item = readdir(dir)) {
      std::string name = item->d_name;
      if (name.size() > 6 && name.substr(name.size() - 6) == ".pqmod") {
        files.push_back(folder + "/" + name);
      }
    }
    closedir(dir);
  }
  std::sort(files.begin(), files.end());
  for (const std::string &file : files) {
    out.push_back(entryOf(file));
  }
}

std::string executableDir() {
  char buffer[4096];
  ssize_t size = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (size <= 0) {
    return ".";
  }
  buffer[size] = 0;
  return dirName(buffer);
}

/// The bundles, and where they were looked for (for the skip message).
std::vector<BundleEntry> findBundles(std::string &searched) {
  std::vector<BundleEntry> bundles;
  std::string list = env("PQ_GPU_BUNDLES");
  if (!list.empty()) {
    searched = "PQ_GPU_BUNDLES=" + list;
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      std::string item = list.substr(
          start, end == std::string::npos ? std::string::npos : end - start);
      if (isDirectory(item)) {
        addFolder(item, bundles);
      } else if (isFile(item)) {
        bundles.push_back(entryOf(item));
      }
      if (end == std::string::npos) {
        break;
      }
      start = end + 1;
    }
    return bundles;
  }
  // The working directory (the repository root on the device machine), the
  // executable's repository (build/bin/..), then this source tree.
  const std::string roots[] = {".", executableDir() + "/../..", PQ_SOURCE_DIR};
  for (const std::string &root : roots) {
    const std::string folders[] = {root + "/build-dev/gpu-bundles",
                                   root + "/build-dev/bundles"};
    for (const std::string &folder : folders) {
      searched += (searched.empty() ? "" : ", ") + folder;
      addFolder(folder, bundles);
    }
    if (!bundles.empty()) {
      return bundles;
    }
  }
  return bundles;
}

std::string testName(const std::string &name) {
  std::string out;
  for (char ch : name) {
    out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  }
  return out;
}

//===------------------------------ The suite -----------------------------===//

struct Suite {
  std::vector<BundleEntry> bundles;
  std::string searched;
  std::unique_ptr<Backend> backend;
  std::string noBackend; // why there is none
  HarnessOptions options;

  std::unique_ptr<Prefetcher> prefetcher; // cases of the bundles to run

  // Totals over the bundles run.
  int passed = 0, failed = 0, cases = 0, bundlesRun = 0, bundlesSkipped = 0;
  std::vector<std::string> failures;
  std::set<std::string> skipReasons;
};

Suite &suite() {
  static Suite instance;
  return instance;
}

void setUp(Suite &s) {
  s.bundles = findBundles(s.searched);
  s.options.plan.quick = envFlag("PQ_GPU_QUICK");
  s.options.plan.seed = std::strtoull(env("PQ_GPU_SEED", "1").c_str(),
                                      nullptr, 10);
  if (!env("PQ_GPU_QUANTIZE_BUDGET").empty()) {
    s.options.plan.quantizeBudget =
        std::strtod(env("PQ_GPU_QUANTIZE_BUDGET").c_str(), nullptr);
  }
  if (!env("PQ_GPU_BUILD_BUDGET").empty()) {
    s.options.buildBudget =
        std::strtod(env("PQ_GPU_BUILD_BUDGET").c_str(), nullptr);
  }
  s.options.determinismRuns = s.options.plan.quick ? 3 : 10;
  s.options.verbose = envFlag("PQ_GPU_VERBOSE");
  int workers = int(std::thread::hardware_concurrency());
  workers = std::max(1, std::min(workers, 12));
  if (!env("PQ_GPU_WORKERS").empty()) {
    workers = std::max(1, std::atoi(env("PQ_GPU_WORKERS").c_str()));
  }
  s.options.workers = workers;

  const std::string kind = env("PQ_GPU_TESTS_BACKEND", "cuda");
  if (kind == "cuda") {
    s.backend = makeCudaBackend(s.noBackend);
  } else if (kind == "cpu") {
    s.backend = makeCpuBackend("");
  } else if (kind.rfind("cpu-faulty:", 0) == 0) {
    s.backend = makeCpuBackend(kind.substr(11));
  } else {
    s.noBackend = "PQ_GPU_TESTS_BACKEND=" + kind +
                  " is not cuda, cpu or cpu-faulty:KIND (KIND: " +
                  cpuFaultKinds() + ")";
  }
}

/// Plans of every bundle found, as a GPU run with default options would
/// make them (132 SMs: an H100 / H200).
struct PlannedBundle {
  BundleEntry entry;
  BundleFacts facts;
  std::vector<CaseSpec> plan;
};

std::vector<PlannedBundle> planAll(std::string &error) {
  std::vector<PlannedBundle> all;
  PlanOptions options;
  options.seed = suite().options.plan.seed;
  for (const BundleEntry &entry : suite().bundles) {
    try {
      pqrt::Bundle bundle = pqrt::Bundle::fromFile(entry.path);
      PlannedBundle planned{entry, bundleFacts(bundle), {}};
      planned.plan = planCases(planned.facts, entry.name, options);
      all.push_back(std::move(planned));
    } catch (const pqrt::Error &e) {
      error += entry.path + ": " + e.what() + "\n";
    }
  }
  return all;
}

//===----------------------------- Host tests -----------------------------===//

TEST(GpuSuite, Device) {
  Suite &s = suite();
  if (!s.backend) {
    GTEST_SKIP() << s.noBackend;
  }
  std::printf("[pq-gpu] backend: %s\n", s.backend->description().c_str());
  // The test's own driver calls: a round trip through device memory.
  std::vector<uint8_t> data(1 << 20), back(1 << 20, 0);
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = uint8_t(i * 131 + 7);
  }
  DevPtr pointer = 0;
  ASSERT_EQ(s.backend->alloc(data.size(), pointer), "");
  EXPECT_EQ(s.backend->upload(pointer, data.data(), data.size()), "");
  EXPECT_EQ(s.backend->synchronize(), "");
  EXPECT_EQ(s.backend->download(back.data(), pointer, back.size()), "");
  EXPECT_EQ(data, back);
  s.backend->release(pointer);
}

TEST(GpuPlan, ConfigRoundTrip) {
  if (suite().bundles.empty()) {
    GTEST_SKIP() << "no bundles in " << suite().searched;
  }
  for (const BundleEntry &entry : suite().bundles) {
    pqrt::Bundle bundle = pqrt::Bundle::fromFile(entry.path);
    const pqrt_config in = bundle.config();
    const pqrt_config out = pqrt::test::cConfig(stepConfigOf(in));
    EXPECT_TRUE(in.heads == out.heads && in.kv_heads == out.kv_heads &&
                in.head_dim == out.head_dim && in.subspaces == out.subspaces &&
                in.bits == out.bits && in.sink == out.sink &&
                in.window == out.window && in.heavy == out.heavy &&
                in.init_offset == out.init_offset && in.metric == out.metric &&
                in.layout == out.layout && in.query_type == out.query_type &&
                in.centroid_type == out.centroid_type &&
                in.weight_type == out.weight_type &&
                in.index_type == out.index_type)
        << entry.name;
  }
}

TEST(GpuPlan, CoversTheIssueMatrix) {
  if (suite().bundles.size() < 40) {
    GTEST_SKIP() << suite().bundles.size()
                 << " bundles: the coverage and 300-case floor apply to the "
                    "full set of scripts/make-dev-bundles.sh";
  }
  std::string error;
  std::vector<PlannedBundle> all = planAll(error);
  ASSERT_EQ(error, "");
  std::set<std::string> seen;
  int total = 0;
  for (const PlannedBundle &b : all) {
    const pqrt::StepConfig &c = b.facts.config;
    seen.insert(std::string("layout ") + pqrt::layoutName(c.layout));
    seen.insert(std::string("metric ") + pqrt::metricName(c.metric));
    seen.insert("group " + std::to_string(c.group()));
    seen.insert("head_dim " + std::to_string(c.headDim));
    seen.insert("S " + std::to_string(c.subspaces));
    seen.insert("bits " + std::to_string(c.bits));
    seen.insert(std::string("query ") + pqrt::elementTypeName(c.queryType));
    seen.insert(std::string("weight ") + pqrt::elementTypeName(c.weightType));
    seen.insert(std::string("index ") + pqrt::elementTypeName(c.indexType));
    seen.insert(std::string("centroid ") +
                pqrt::elementTypeName(c.centroidType));
    seen.insert(b.facts.quantize ? "quantize" : "no quantize");
    seen.insert(b.facts.staticBatch ? "static batch" : "dynamic batch");
    seen.insert("strategy " + b.facts.strategy);
    const int64_t threshold = fullAttentionThreshold(c);
    for (const CaseSpec &spec : b.plan) {
      ++total;
      const int64_t n = spec.indexedKeys(c);
      if (spec.seqLen > 1 && spec.seqLen < threshold) {
        seen.insert("sk below threshold");
      }
      if (spec.seqLen == threshold) {
        seen.insert("sk at threshold");
      }
      if (spec.seqLen == threshold + 1) {
        seen.insert("sk threshold + 1");
      }
      if (spec.seqLen >= 131072) {
        seen.insert("sk 128K");
      }
      if (spec.seqLen * spec.batch * c.heads > 0) {
        seen.insert(spec.batch * c.heads > 132 ? "b*h above SMs"
                                               : "b*h below SMs");
      }
      seen.insert(spec.mode == pqrt::DataMode::Ties ? "ties" : "random");
      if (spec.nullKey) {
        seen.insert("key NULL");
      }
      if (spec.keyExtra || spec.codeExtra) {
        seen.insert("spare capacity");
      }
      const int64_t capacity = spec.codeExtra ? n + spec.codeExtra : n;
      if (spec.codeShift) {
        seen.insert("codes misaligned");
      } else if (capacity % 16 == 0) {
        seen.insert("codes in 16-key items");
      }
      if (spec.determinism) {
        seen.insert("determinism");
      }
      if (spec.graph) {
        seen.insert(spec.full ? "graph full" : "graph indexed");
      }
      if (spec.full) {
        continue;
      }
      const int64_t ws =
          std::max<int64_t>(0, spec.seqLen - c.window - c.initOffset);
      const int64_t k = std::min(c.heavy, n);
      seen.insert(k > ws ? "heavy beyond ws" : "heavy within ws");
      if (k == n - c.window && k > 0) {
        seen.insert("heavy = n - window");
      }
      const int64_t fresh = spec.newKeys(c);
      seen.insert(fresh == 0    ? "new keys 0"
                  : fresh == 1  ? "new keys 1"
                  : fresh < 100 ? "new keys few"
                                : "new keys many");
      if (spec.numCached == 0) {
        seen.insert("n_cached 0");
      }
    }
  }
  const char *required[] = {
      "layout seed", "layout compact", "metric euclidean", "metric ip",
      "group 1", "group 4", "group 8", "head_dim 64", "head_dim 128", "S 1",
      "S 2", "S 4", "S 8", "bits 4", "bits 6", "bits 8", "query f32",
      "query f16", "query bf16", "weight f32", "weight f16", "weight bf16",
      "index i32", "index i64", "centroid f32", "centroid bf16", "quantize",
      "no quantize", "static batch", "dynamic batch", "strategy row",
      "strategy split", "sk below threshold", "sk at threshold",
      "sk threshold + 1", "sk 128K", "b*h above SMs", "b*h below SMs",
      "ties", "random", "key NULL", "spare capacity", "determinism",
      "graph full", "graph indexed", "heavy beyond ws", "heavy within ws",
      "new keys 0", "new keys 1", "new keys few", "new keys many",
      "n_cached 0", "codes misaligned", "codes in 16-key items", "S 3",
      "S 16", "head_dim 96"};
  for (const char *item : required) {
    EXPECT_TRUE(seen.count(item)) << "no planned case has: " << item;
  }
  EXPECT_GE(total, 300) << "(bundle, case) configurations";
  std::printf("[pq-gpu] plan: %d (bundle, case) configurations over %zu "
              "bundles\n",
              total, all.size());
}

/// Host time of the plan: inputs plus CPU reference for every case, on the
/// worker threads as a GPU run makes them (--gtest_also_run_disabled_tests).
TEST(GpuPlan, DISABLED_PrepareTiming) {
  std::string error;
  std::vector<PlannedBundle> all = planAll(error);
  ASSERT_EQ(error, "");
  const int workers = suite().options.workers;
  double total = 0;
  for (const PlannedBundle &b : all) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::future<PreparedCase>> running;
    double slowest = 0;
    std::string slowestCase;
    for (size_t i = 0; i < b.plan.size(); i += size_t(workers)) {
      running.clear();
      for (size_t j = i; j < std::min(b.plan.size(), i + size_t(workers));
           ++j) {
        running.push_back(std::async(std::launch::async, [&b, j] {
          return prepareCase(b.facts.config, b.plan[j]);
        }));
      }
      for (auto &f : running) {
        const auto t0 = std::chrono::steady_clock::now();
        PreparedCase p = f.get();
        EXPECT_EQ(p.error, "") << b.entry.name << " " << p.spec.label;
        const double s = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - t0)
                             .count();
        if (s > slowest) {
          slowest = s;
          slowestCase = p.spec.describe(b.facts.config);
        }
      }
    }
    const double seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - start)
                               .count();
    total += seconds;
    std::printf("[pq-gpu] prepare %-28s %2zu cases %6.2fs (longest wait "
                "%.2fs: %s)\n",
                b.entry.name.c_str(), b.plan.size(), seconds, slowest,
                slowestCase.c_str());
    std::fflush(stdout);
  }
  std::printf("[pq-gpu] prepare: %.1fs with %d worker(s)\n", total, workers);
}

//===---------------------------- Bundle tests ----------------------------===//

class BundleTest : public testing::Test {
public:
  explicit BundleTest(BundleEntry entry) : entry(std::move(entry)) {}

  void TestBody() override {
    Suite &s = suite();
    if (!s.backend) {
      s.skipReasons.insert(s.noBackend);
      ++s.bundlesSkipped;
      GTEST_SKIP() << s.noBackend;
    }
    BundleReport report =
        runBundle(*s.backend, entry, s.options, s.prefetcher.get());
    std::printf("[pq-gpu] %s\n", report.summaryLine().c_str());
    if (s.options.verbose) {
      for (const CheckResult &r : report.checks) {
        std::printf("[pq-gpu]   %s %s: %s\n", r.passed() ? "PASS" : "FAIL",
                    r.check.c_str(), r.subject.c_str());
      }
      for (const std::string &note : report.notes) {
        std::printf("[pq-gpu]   rejected: %s\n", note.c_str());
      }
    }
    std::fflush(stdout);
    if (!report.skipped.empty()) {
      ++s.bundlesSkipped;
      s.skipReasons.insert(report.skipped);
      GTEST_SKIP() << report.skipped;
    }
    ++s.bundlesRun;
    s.cases += report.cases;
    s.passed += report.passed();
    s.failed += report.failed();
    for (const CheckResult &r : report.checks) {
      if (!r.passed()) {
        s.failures.push_back(entry.name + " " + r.check + " [" + r.subject +
                             "]: " + r.error);
        ADD_FAILURE() << entry.name << " " << r.check << " [" << r.subject
                      << "]: " << r.error;
      }
    }
  }

private:
  BundleEntry entry;
};

/// Once the filter is applied (and any shuffle), plans the bundle tests
/// that will run, in their order, and starts making their cases.
class PrefetchEnvironment : public testing::Environment {
public:
  void SetUp() override {
    Suite &s = suite();
    if (!s.backend) {
      return;
    }
    std::map<std::string, const BundleEntry *> byTest;
    for (const BundleEntry &entry : s.bundles) {
      byTest[testName(entry.name)] = &entry;
    }
    s.prefetcher = std::make_unique<Prefetcher>(s.options.workers);
    const PlanOptions options = planOptionsFor(s.options, *s.backend);
    testing::UnitTest &unit = *testing::UnitTest::GetInstance();
    for (int i = 0; i < unit.total_test_suite_count(); ++i) {
      const testing::TestSuite &testSuite = *unit.GetTestSuite(i);
      if (std::string(testSuite.name()) != "GpuBundle") {
        continue;
      }
      for (int j = 0; j < testSuite.total_test_count(); ++j) {
        const testing::TestInfo &info = *testSuite.GetTestInfo(j);
        auto found = byTest.find(info.name());
        if (!info.should_run() || found == byTest.end()) {
          continue;
        }
        try {
          pqrt::Bundle bundle = pqrt::Bundle::fromFile(found->second->path);
          BundleFacts facts = bundleFacts(bundle);
          s.prefetcher->addBundle(
              found->second->name, facts,
              planCases(facts, found->second->name, options));
        } catch (const pqrt::Error &) {
          // runBundle reports it, preparing nothing ahead.
        }
      }
    }
  }
  void TearDown() override { suite().prefetcher.reset(); }
};

void registerBundleTests(const Suite &s) {
  for (const BundleEntry &entry : s.bundles) {
    testing::RegisterTest("GpuBundle", testName(entry.name).c_str(), nullptr,
                          entry.path.c_str(), __FILE__, __LINE__,
                          [entry]() -> testing::Test * {
                            return new BundleTest(entry);
                          });
  }
  if (s.bundles.empty()) {
    testing::RegisterTest(
        "GpuBundle", "NoBundles", nullptr, nullptr, __FILE__, __LINE__,
        []() -> testing::Test * {
          struct NoBundles : testing::Test {
            void TestBody() override {
              suite().skipReasons.insert("no bundles in " + suite().searched);
              GTEST_SKIP() << "no .pqmod bundles in " << suite().searched
                           << "; make them with scripts/make-dev-bundles.sh "
                              "or set PQ_GPU_BUNDLES";
            }
          };
          return new NoBundles();
        });
  }
}

} // namespace
} // namespace pqgpu

int main(int argc, char **argv) {
  using namespace pqgpu;
  testing::InitGoogleTest(&argc, argv);
  const auto start = std::chrono::steady_clock::now();
  Suite &s = suite();
  setUp(s);
  std::printf("[pq-gpu] %zu bundle(s) from %s; %s; %s mode, seed %llu, %d "
              "worker thread(s)\n",
              s.bundles.size(), s.searched.c_str(),
              s.backend ? s.backend->description().c_str()
                        : ("no backend: " + s.noBackend).c_str(),
              s.options.plan.quick ? "quick" : "full",
              (unsigned long long)s.options.plan.seed, s.options.workers);
  registerBundleTests(s);
  testing::AddGlobalTestEnvironment(new PrefetchEnvironment());
  const int result = RUN_ALL_TESTS();
  const double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
  if (!s.failures.empty()) {
    std::printf("[pq-gpu] failed checks (%zu):\n", s.failures.size());
    const size_t shown = std::min<size_t>(s.failures.size(), 40);
    for (size_t i = 0; i < shown; ++i) {
      std::printf("[pq-gpu]   %s\n", s.failures[i].c_str());
    }
    if (shown < s.failures.size()) {
      std::printf("[pq-gpu]   ... and %zu more\n", s.failures.size() - shown);
    }
  }
  if (s.bundlesRun == 0 && result == 0) {
    std::string reasons;
    for (const std::string &reason : s.skipReasons) {
      reasons += (reasons.empty() ? "" : "; ") + reason;
    }
    // ctest reports the test as skipped on this line (SKIP_REGULAR_EXPRESSION).
    std::printf("PQ_GPU_SUITE_SKIPPED: no bundle ran on a device (%s)\n",
                reasons.empty() ? "none selected" : reasons.c_str());
  }
  std::printf("[pq-gpu] %d passed, %d failed (%d (bundle, case) "
              "configurations; %d bundles run, %d skipped; %.1fs)\n",
              s.passed, s.failed, s.cases, s.bundlesRun, s.bundlesSkipped,
              seconds);
  std::fflush(stdout);
  return result;
}
