//===- Plan.cpp - Which steps the GPU tests run for one bundle ------------===//

#include "Plan.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

namespace pqgpu {

namespace {

/// How many of the n keys are already in the codebook.
enum class Cached {
  All,        // n: nothing to quantize
  One,        // n - 1: one new key
  ThirtySeven, // n - 37
  ZeroOrMany, // 0 when the reference can quantize all n cheaply, else many
};

class Planner {
public:
  Planner(const BundleFacts &facts, const std::string &name,
          const PlanOptions &options)
      : facts(facts), c(facts.config), options(options),
        rng(options.seed * 0x9E3779B97F4A7C15ull ^ hashName(name)),
        threshold(fullAttentionThreshold(facts.config)),
        maxSeqLen(facts.maxSeqLen) {
    batchCursor = int64_t(rng() % 3);
  }

  std::vector<CaseSpec> plan() {
    if (options.quick) {
      planQuick();
    } else {
      planFull();
    }
    return std::move(cases);
  }

private:
  const BundleFacts &facts;
  const pqrt::StepConfig &c;
  const PlanOptions &options;
  std::mt19937_64 rng;
  const int64_t threshold;
  const int64_t maxSeqLen;
  int64_t batchCursor = 0;
  std::vector<CaseSpec> cases;

  int64_t uniform(int64_t low, int64_t high) {
    if (high <= low) {
      return low;
    }
    return std::uniform_int_distribution<int64_t>(low, high)(rng);
  }

  int64_t nextBatch() {
    if (facts.staticBatch != 0) {
      return facts.staticBatch;
    }
    return (batchCursor++ % 3) + 1;
  }

  int64_t bigBatch() { return facts.staticBatch != 0 ? facts.staticBatch : 1; }

  int64_t indexed(int64_t seqLen) const {
    return std::max<int64_t>(seqLen - c.initOffset, 0);
  }

  /// New keys the reference may quantize for `batch` within the budget.
  int64_t affordableNewKeys(int64_t batch) const {
    const double perKey = double(batch) * double(c.kvHeads) *
                          double(c.centroids()) *
                          double(c.headDim + c.subspaces);
    return std::max<int64_t>(
        1, int64_t(std::floor(options.quantizeBudget / perKey)));
  }

  int64_t numCached(int64_t seqLen, int64_t batch, Cached want) const {
    const int64_t n = indexed(seqLen);
    if (!facts.quantize) {
      return n; // such a module needs every key in the codebook
    }
    switch (want) {
    case Cached::All:
      return n;
    case Cached::One:
      return std::max<int64_t>(n - 1, 0);
    case Cached::ThirtySeven:
      return std::max<int64_t>(n - 37, 0);
    case Cached::ZeroOrMany:
      return std::max<int64_t>(n - affordableNewKeys(batch), 0);
    }
    return n;
  }

  /// Adds a case unless sk is out of [1, max_seq_len]; returns it or null.
  CaseSpec *add(const char *label, int64_t batch, int64_t seqLen, Cached want,
                pqrt::DataMode mode) {
    if (seqLen < 1 || seqLen > maxSeqLen) {
      return nullptr;
    }
    CaseSpec spec;
    spec.label = label;
    spec.batch = batch;
    spec.seqLen = seqLen;
    spec.full = seqLen <= threshold;
    spec.numCached = spec.full ? uniform(0, indexed(seqLen))
                               : numCached(seqLen, batch, want);
    spec.mode = mode;
    spec.seed = rng();
    cases.push_back(spec);
    return &cases.back();
  }

  void planQuick() {
    using pqrt::DataMode;
    if (CaseSpec *at = add("at", nextBatch(), std::min(threshold, maxSeqLen),
                           Cached::All, DataMode::Random)) {
      at->graph = true;
    }
    add("above", nextBatch(), threshold + 1, Cached::One, DataMode::Random);
    const int64_t sk =
        uniform(threshold + 2, std::min(maxSeqLen, threshold + 300));
    if (CaseSpec *mid =
            add("mid", nextBatch(), sk, Cached::ZeroOrMany, DataMode::Ties)) {
      mid->determinism = mid->graph = true;
      mid->keyExtra = 3;
      mid->codeExtra = 2;
    }
  }

  void planFull() {
    using pqrt::DataMode;
    // The full-attention path: the smallest sk, just below and exactly at
    // the threshold (or max_seq_len when the module never leaves it).
    add("sk1", nextBatch(), 1, Cached::All, DataMode::Random);
    if (threshold - 1 > 1) {
      add("below", nextBatch(), threshold - 1, Cached::All, DataMode::Ties);
    }
    if (CaseSpec *at = add("at", nextBatch(), std::min(threshold, maxSeqLen),
                           Cached::All, DataMode::Random)) {
      at->graph = true;
    }
    if (threshold + 1 > maxSeqLen) {
      return; // every sk the module accepts attends to everything
    }
    // One past the threshold: the smallest indexed step.
    add("above", nextBatch(), threshold + 1, Cached::One, DataMode::Random);
    add("above-ties", nextBatch(), threshold + 1, Cached::ZeroOrMany,
        DataMode::Ties);

    // Between the threshold and max_seq_len (capped, the CPU reference is
    // the slow side): new keys 37, many or none, spare capacity.
    const int64_t low = threshold + 2;
    const int64_t span = std::max<int64_t>(
        64, std::min<int64_t>(8000, (maxSeqLen - threshold) / 2));
    const int64_t high = std::min(maxSeqLen - 1, low + span);
    if (CaseSpec *mid = add("mid", nextBatch(), uniform(low, high),
                            Cached::ThirtySeven, DataMode::Random)) {
      mid->determinism = mid->graph = true;
      mid->keyExtra = 5;
      // A capacity of whole 16-key items: the 16-byte code loads run.
      mid->codeExtra = 16 - indexed(mid->seqLen) % 16;
    }
    if (CaseSpec *ties = add("mid-ties", nextBatch(), uniform(low, high),
                             Cached::ZeroOrMany, DataMode::Ties)) {
      ties->determinism = true;
      ties->codeExtra = 17;
    }
    if (CaseSpec *none = add("mid-nokey", nextBatch(), uniform(low, high),
                             Cached::All, DataMode::Random)) {
      none->nullKey = true; // nothing to quantize: key may be NULL
      none->codeShift = 1;
    }

    // max_seq_len itself (up to 128K): batch 1 there, few new keys.
    if (maxSeqLen > threshold + 1) {
      const int64_t batch = maxSeqLen > 20000 ? bigBatch() : nextBatch();
      add("max", batch, maxSeqLen, Cached::ThirtySeven, DataMode::Random);
      if (maxSeqLen <= 20000) {
        add("max-ties", nextBatch(), maxSeqLen - uniform(0, 64), Cached::One,
            DataMode::Ties);
      }
    }

    // b * h above the SM count, where the batch is free to choose.
    if (facts.staticBatch == 0 && c.heads >= 16 &&
        c.heads * 3 <= options.smCount) {
      const int64_t batch = (options.smCount + c.heads) / c.heads;
      add("wide", batch,
          std::min(maxSeqLen, threshold + 1 + uniform(0, 300)),
          Cached::ThirtySeven, DataMode::Random);
    }
  }
};

} // namespace

uint64_t hashName(const std::string &text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char ch : text) {
    hash = (hash ^ ch) * 0x100000001b3ull;
  }
  return hash;
}

int64_t fullAttentionThreshold(const pqrt::StepConfig &config) {
  return config.heavy + config.initOffset + 1 + config.centroids();
}

int64_t CaseSpec::indexedKeys(const pqrt::StepConfig &config) const {
  return std::max<int64_t>(seqLen - config.initOffset, 0);
}

int64_t CaseSpec::newKeys(const pqrt::StepConfig &config) const {
  return full ? 0 : std::max<int64_t>(indexedKeys(config) - numCached, 0);
}

std::string CaseSpec::describe(const pqrt::StepConfig &config) const {
  std::ostringstream out;
  out << label << " b=" << batch << " sk=" << seqLen
      << " n=" << indexedKeys(config) << " n_cached=" << numCached;
  if (full) {
    out << " (full attention)";
  } else {
    out << " (" << newKeys(config) << " new)";
  }
  if (keyExtra || codeExtra) {
    out << " spare key/code rows " << keyExtra << "/" << codeExtra;
  }
  if (nullKey) {
    out << " key=NULL";
  }
  if (codeShift) {
    out << " codes shifted by " << codeShift;
  }
  out << (mode == pqrt::DataMode::Ties ? " ties" : " random")
      << " seed=" << seed;
  return out.str();
}

std::vector<CaseSpec> planCases(const BundleFacts &facts,
                                const std::string &bundleName,
                                const PlanOptions &options) {
  return Planner(facts, bundleName, options).plan();
}

int64_t planMaxBatch(const BundleFacts &facts,
                     const std::vector<CaseSpec> &plan) {
  if (facts.staticBatch != 0) {
    return facts.staticBatch;
  }
  int64_t most = 1;
  for (const CaseSpec &spec : plan) {
    most = std::max(most, spec.batch);
  }
  return most;
}

} // namespace pqgpu
