//===- BuildHarnessTests.cpp - The build checks without a GPU -------------===//
//
// The index build's plan (GpuBuildPlan.*) and its checks (GpuBuildHarness.*)
// run here on the CPU backend over a synthetic bundle with a "build" entry
// (BundleWriter's sample): every check passes when the "GPU" is the
// reference, and a planted fault is caught by the check meant for it. The
// device run of the same checks happens for every real bundle with a build.
//
//===----------------------------------------------------------------------===//

#include "BuildChecks.h"
#include "BuildPlan.h"
#include "SampleBundle.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace pqgpu {
namespace {

pqrt::Bundle sampleWithBuild(const std::function<void(pqrt::test::Json &)>
                                 &change = {}) {
  pqrt::test::Json manifest = pqrt::test::sampleManifest();
  if (change) {
    change(manifest);
  }
  pqrt::test::addSampleBuild(manifest);
  std::vector<uint8_t> bytes = pqrt::test::writeBundle(
      manifest, pqrt::test::sampleBuildImages());
  return pqrt::Bundle::fromMemory(bytes.data(), bytes.size());
}

HarnessOptions smallOptions() {
  HarnessOptions options;
  options.determinismRuns = 2;
  options.buildBudget = 2e7;
  options.workers = 2;
  return options;
}

/// runBuildChecks on the CPU backend (fault: "" or a kind).
BundleReport runOnCpu(const pqrt::Bundle &bundle, const std::string &fault,
                      const HarnessOptions &options) {
  std::unique_ptr<Backend> backend = makeCpuBackend(fault);
  BundleFacts facts = bundleFacts(bundle);
  BundleReport report;
  report.name = "synthetic/sample";
  std::unique_ptr<Runner> runner;
  EXPECT_EQ(backend->createRunner(bundle, 4, runner), "");
  runBuildChecks(*backend, bundle, facts, *runner, 4, options, report);
  if (std::getenv("PQ_GPU_VERBOSE") && fault.empty()) {
    for (const CheckResult &r : report.checks) {
      std::printf("[pq-gpu]   %s %s [%s]%s%s\n", r.passed() ? "PASS" : "FAIL",
                  r.check.c_str(), r.subject.c_str(),
                  r.passed() ? "" : ": ", r.error.c_str());
    }
  }
  return report;
}

std::map<std::string, int> countByCheck(const BundleReport &report,
                                        bool failedOnly) {
  std::map<std::string, int> counts;
  for (const CheckResult &r : report.checks) {
    if (!failedOnly || !r.passed()) {
      ++counts[r.check];
    }
  }
  return counts;
}

TEST(GpuBuildPlan, CoversTheShapesAndModes) {
  pqrt::Bundle bundle = sampleWithBuild();
  BundleFacts facts = bundleFacts(bundle);
  ASSERT_TRUE(facts.hasBuild);
  PlanOptions options;
  std::vector<BuildCaseSpec> plan =
      planBuildCases(facts, "synthetic/sample", 4, options, 4e8);
  std::set<std::string> seen;
  const pqrt::StepConfig &c = facts.config;
  for (const BuildCaseSpec &spec : plan) {
    seen.insert(spec.label);
    seen.insert("T " + std::to_string(spec.kmeansIter));
    seen.insert(spec.init == BuildInit::Given ? "given" : "drawn");
    seen.insert(spec.data == BuildData::Clustered ? "clustered" : "random");
    if (spec.indexedKeys(c) == c.centroids()) {
      seen.insert("n = C");
    }
    if (spec.seqLen == facts.maxSeqLen) {
      seen.insert("n = max");
    }
    if (spec.determinism) {
      seen.insert("determinism");
    }
    if (spec.seeded) {
      seen.insert("seeded");
    }
    if (!spec.iterations) {
      seen.insert("no iterations");
    }
    if (spec.batch > 1) {
      seen.insert("batch > 1");
    }
    if (!spec.stepSeqLens.empty()) {
      seen.insert("steps");
      EXPECT_GT(spec.seqLen, fullAttentionThreshold(c));
      EXPECT_LE(spec.lastSeqLen(), facts.maxSeqLen);
    }
    EXPECT_LE(buildCost(c, spec.batch, spec.indexedKeys(c), spec.kmeansIter),
              4e8)
        << spec.describe(c);
  }
  for (const char *item :
       {"n=C", "small", "clustered", "mid", "max", "steps", "T 0", "T 1",
        "T 10", "given", "drawn", "clustered", "random", "n = C", "n = max",
        "determinism", "seeded", "no iterations", "batch > 1"}) {
    EXPECT_TRUE(seen.count(item)) << "no planned build has: " << item;
  }
}

TEST(GpuBuildPlan, ShrinksToTheBudgetAndSkipsImpossibleBuilds) {
  pqrt::Bundle bundle = sampleWithBuild();
  BundleFacts facts = bundleFacts(bundle);
  PlanOptions options;
  for (const BuildCaseSpec &spec :
       planBuildCases(facts, "synthetic/sample", 4, options, 2e7)) {
    EXPECT_LE(buildCost(facts.config, spec.batch,
                        spec.indexedKeys(facts.config), spec.kmeansIter),
              2e7)
        << spec.describe(facts.config);
  }
  facts.maxSeqLen = facts.config.initOffset + facts.config.centroids() - 1;
  EXPECT_TRUE(
      planBuildCases(facts, "synthetic/sample", 4, options, 1e9).empty());
  options.quick = true;
  facts.maxSeqLen = 4096;
  EXPECT_EQ(planBuildCases(facts, "synthetic/sample", 4, options, 1e9).size(),
            2u);
}

TEST(GpuBuildHarness, EveryCheckPassesOnTheCpuBackend) {
  for (bool ip : {false, true}) {
    pqrt::Bundle bundle = sampleWithBuild([ip](pqrt::test::Json &m) {
      if (ip) {
        pqrt::test::makeInnerProduct(m);
        m["step"]["layout"] = "seed";
        m["step"]["centroid_type"] = "bf16";
      }
    });
    BundleReport report = runOnCpu(bundle, "", smallOptions());
    for (const CheckResult &r : report.checks) {
      EXPECT_TRUE(r.passed()) << r.check << " [" << r.subject
                              << "]: " << r.error;
    }
    std::map<std::string, int> counts = countByCheck(report, false);
    EXPECT_GE(counts["build"], 5) << (ip ? "ip" : "euclidean");
    EXPECT_GE(counts["build-determinism"], 2);
    EXPECT_EQ(counts["build-seeded"], 1);
    EXPECT_EQ(counts["build-steps"], 1);
    EXPECT_EQ(counts["build-validation"], ip ? 13 : 12);
    EXPECT_EQ(report.nearTieBuilds, 0);
  }
}

TEST(GpuBuildHarness, PlantedFaultsAreCaught) {
  pqrt::Bundle bundle = sampleWithBuild();
  HarnessOptions options = smallOptions();
  options.plan.quick = true; // n = C (T = 0) and the steps case (T = 2)
  BundleReport wrong = runOnCpu(bundle, "kmeans", options);
  std::map<std::string, int> failed = countByCheck(wrong, true);
  EXPECT_EQ(failed["build"], 1) << "the T = 2 build's perturbed centroid";
  EXPECT_EQ(failed.size(), 1u);
  BundleReport writes = runOnCpu(bundle, "validation", options);
  failed = countByCheck(writes, true);
  EXPECT_GE(failed["build-validation"], 5);
  EXPECT_EQ(failed.count("build"), 0u);
}

} // namespace
} // namespace pqgpu
