//===- BuildPlan.cpp - Which index builds the GPU tests run ---------------===//

#include "BuildPlan.h"

#include "pqhost/RandomInputs.h"
#include "pqrt/Build.h"

#include <algorithm>
#include <sstream>

namespace pqgpu {

using pqrt::StepConfig;

namespace {

/// Keys added by the steps after a "steps" build in quick mode (a decode
/// step, then a few at once); the full plan runs kDecodeSteps decode
/// steps of one new key each, where the bundle's max_seq_len allows.
constexpr int64_t kStepGrowth[] = {1, 2, 6};
constexpr int64_t kDecodeSteps = 100;

/// Shrinks T (10 -> 1 -> 0) until the case fits `budget`; false when even
/// T = 0 does not.
bool fitIterations(const StepConfig &c, double budget, BuildCaseSpec &spec) {
  const int64_t n = spec.indexedKeys(c);
  for (int64_t t : {spec.kmeansIter, int64_t(1), int64_t(0)}) {
    if (t <= spec.kmeansIter && buildCost(c, spec.batch, n, t) <= budget) {
      spec.kmeansIter = t;
      return true;
    }
  }
  return false;
}

/// Shrinks n towards C first, then T, to fit `budget`.
bool fit(const StepConfig &c, double budget, int64_t n, BuildCaseSpec &spec) {
  const double perKey = buildCost(c, spec.batch, 1, spec.kmeansIter);
  const int64_t affordable = perKey > 0 ? int64_t(budget / perKey) : n;
  spec.seqLen = std::max(c.centroids(), std::min(n, affordable)) + c.initOffset;
  return fitIterations(c, budget, spec);
}

} // namespace

int64_t BuildCaseSpec::indexedKeys(const StepConfig &config) const {
  return seqLen - config.initOffset;
}

int64_t BuildCaseSpec::lastSeqLen() const {
  return stepSeqLens.empty() ? seqLen : stepSeqLens.back();
}

std::string BuildCaseSpec::describe(const StepConfig &config) const {
  std::ostringstream out;
  out << label << " b=" << batch << " n=" << indexedKeys(config)
      << " T=" << kmeansIter
      << (init == BuildInit::Given ? " given" : " drawn")
      << (data == BuildData::Clustered ? " clustered" : " random")
      << (iterations ? "" : " no-iterations");
  if (!stepSeqLens.empty()) {
    out << " then steps to sk=" << lastSeqLen();
  }
  out << " seed=" << seed;
  return out.str();
}

double buildCost(const StepConfig &c, int64_t batch, int64_t n,
                 int64_t kmeansIter) {
  return double(kmeansIter + 2) * double(batch) * double(c.kvHeads) *
         double(c.subspaces) * double(n) * double(c.centroids()) *
         double(c.centroidDim());
}

std::vector<BuildCaseSpec> planBuildCases(const BundleFacts &facts,
                                          const std::string &bundleName,
                                          int64_t maxBatch,
                                          const PlanOptions &options,
                                          double budget) {
  const StepConfig &c = facts.config;
  const int64_t count = c.centroids();
  const int64_t nMax = facts.maxSeqLen - c.initOffset;
  std::vector<BuildCaseSpec> plan;
  if (nMax < count) {
    return plan;
  }
  auto batchOf = [&](int64_t wanted) {
    return facts.staticBatch
               ? facts.staticBatch
               : std::max<int64_t>(1, std::min(wanted, maxBatch));
  };
  uint64_t seed = hashName(bundleName + "/build") ^ (options.seed * 0x9E3779B97F4A7C15ull);
  auto make = [&](const char *label, int64_t batch, int64_t iterations,
                  BuildInit init, BuildData data) {
    BuildCaseSpec spec;
    spec.label = label;
    spec.batch = batchOf(batch);
    spec.kmeansIter = iterations;
    spec.init = init;
    spec.data = data;
    spec.seed = seed++;
    return spec;
  };
  // Fits n (then T) to the budget; a batch of one instead when that keeps
  // more iterations.
  auto add = [&](BuildCaseSpec spec, int64_t n) {
    BuildCaseSpec single = spec;
    single.batch = batchOf(1);
    const bool fits = fit(c, budget, std::min(n, nMax), spec);
    const bool singleFits = fit(c, budget, std::min(n, nMax), single);
    if (singleFits && (!fits || single.kmeansIter > spec.kmeansIter)) {
      plan.push_back(std::move(single));
    } else if (fits) {
      plan.push_back(std::move(spec));
    }
  };

  // n = C: every point is a centroid; T = 0 gathers them, and the spare
  // key and code rows must stay untouched.
  BuildCaseSpec first =
      make("n=C", 1, 0, BuildInit::Device, BuildData::Random);
  first.keyExtra = 3;
  first.codeExtra = 16;
  add(first, count);

  // A build, then GPU steps with new keys on its index (without them when
  // the module does not quantize).
  const int64_t threshold = fullAttentionThreshold(c);
  const int64_t stepStart = std::max(threshold + 1, c.initOffset + count);
  if (stepStart + kStepGrowth[2] <= facts.maxSeqLen) {
    BuildCaseSpec steps = make("steps", 2, options.quick ? 2 : 10,
                               BuildInit::Given, BuildData::Clustered);
    steps.seqLen = stepStart;
    steps.determinism = options.quick;
    // A module that does not quantize steps on the built codebook as it
    // is (every key already coded): no new keys.
    const bool decode =
        !options.quick && stepStart + kDecodeSteps <= facts.maxSeqLen;
    if (decode) {
      for (int64_t k = 1; k <= kDecodeSteps; ++k) {
        steps.stepSeqLens.push_back(stepStart + (facts.quantize ? k : 0));
      }
    } else {
      for (int64_t growth : kStepGrowth) {
        steps.stepSeqLens.push_back(stepStart + (facts.quantize ? growth : 0));
      }
    }
    steps.keyExtra = 5;
    // n is fixed by the full-attention threshold: when two batch entries
    // cost iterations, one entry with more of them tests more.
    BuildCaseSpec single = steps;
    single.batch = batchOf(1);
    const bool fits = fitIterations(c, budget, steps);
    const bool singleFits = fitIterations(c, budget, single);
    if (singleFits && (!fits || single.kmeansIter > steps.kmeansIter)) {
      plan.push_back(std::move(single));
    } else if (fits) {
      plan.push_back(std::move(steps));
    }
  }
  if (options.quick) {
    return plan;
  }

  BuildCaseSpec small =
      make("small", 2, 1, BuildInit::Given, BuildData::Random);
  add(small, count + 37);

  BuildCaseSpec clustered =
      make("clustered", 1, 10, BuildInit::Given, BuildData::Clustered);
  clustered.determinism = true;
  add(clustered, 4 * count + 100);

  BuildCaseSpec mid = make("mid", 2, 10, BuildInit::Device, BuildData::Random);
  mid.determinism = true;
  mid.seeded = true;
  mid.iterations = false;
  add(mid, 4096);

  // n = max_seq_len - init_offset: n stays, T shrinks to fit.
  BuildCaseSpec last = make("max", 1, 10, BuildInit::Device, BuildData::Random);
  last.seqLen = facts.maxSeqLen;
  int64_t largest = 0;
  for (const BuildCaseSpec &spec : plan) {
    largest = std::max(largest, spec.indexedKeys(c));
  }
  if (nMax > largest && fitIterations(c, budget, last)) {
    plan.push_back(std::move(last));
  }
  return plan;
}

PreparedBuild prepareBuild(const StepConfig &base, const BuildCaseSpec &spec) {
  PreparedBuild p;
  p.spec = spec;
  StepConfig c = base;
  c.batch = spec.batch;
  const int64_t n = spec.indexedKeys(base);
  const int64_t count = c.centroids();
  c.keyCapacity = spec.lastSeqLen() + spec.keyExtra;
  c.codeCapacity = spec.lastSeqLen() - c.initOffset + spec.codeExtra;
  if (pqrt::stepBufferBytes(c, spec.lastSeqLen()) < 0) {
    p.error = "buffer sizes overflow";
    return p;
  }
  p.host = std::make_unique<pqrt::StepBuffers>(c, spec.seqLen, 0);
  pqrt::fillRandom(*p.host, spec.seed, pqrt::DataMode::Random);
  if (spec.data == BuildData::Clustered) {
    pqrt::fillClusteredKeys(*p.host, spec.seed ^ 0xC1u, count);
  }
  const int64_t groups = pqrt::buildGroups(c);
  p.initial.resize(size_t(groups * count));
  for (int64_t g = 0; g < groups; ++g) {
    int64_t *row = p.initial.data() + g * count;
    if (spec.init == BuildInit::Device) {
      pqrt::initialIndices(spec.seed, g, n, count, row); // the kernels' rule
    } else if (spec.data == BuildData::Clustered) {
      for (int64_t k = 0; k < count; ++k) {
        row[k] = k; // point k is of center k
      }
    } else {
      pqrt::initialIndices(~spec.seed, g, n, count, row); // another draw
    }
  }
  p.centroids.assign(p.host->centroids.size(), 0);
  p.codebook = p.host->codebook;
  p.phi.assign(p.host->phi.size(), 0.0f);
  int64_t numCached = 0;
  pqrt::BuildArgs args;
  args.seqLen = spec.seqLen;
  args.kmeansIter = spec.kmeansIter;
  args.key = p.host->key.data();
  args.initial = spec.init == BuildInit::Given ? p.initial.data() : nullptr;
  args.seed = spec.seed;
  args.centroids = p.centroids.data();
  args.phi = c.metric == pqrt::Metric::InnerProduct ? p.phi.data() : nullptr;
  args.codebook = p.codebook.data();
  args.numCached = &numCached;
  args.iterations = &p.iterations;
  pqrt::Status status = pqrt::referenceBuild(c, args);
  if (!status.ok()) {
    p.error = "the CPU reference build rejected it: " + status.message;
  } else if (numCached != n) {
    p.error = "the CPU reference build left num_cached " +
              std::to_string(numCached) + ", expected " + std::to_string(n);
  }
  return p;
}

} // namespace pqgpu
