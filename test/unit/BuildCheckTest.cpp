//===- BuildCheckTest.cpp - Judging a built index against the reference ---===//
//
// pqhost::compareBuild, the rule of pq-run --check and the GPU tests for an
// index build: a reference build equals itself; a centroid beyond 1e-5 is a
// mismatch, one within it (or one bf16 step) is not; a differing code is a
// near-tie only when the built centroids make the two codes equidistant;
// phi, iterations and out-of-range codes are reported by name.
//
//===----------------------------------------------------------------------===//

#include "pqhost/BuildCheck.h"
#include "pqhost/RandomInputs.h"
#include "pqrt/Build.h"
#include "pqrt/Layout.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace pqrt {
namespace test {
namespace {

using pqhost::BuildOutputs;
using pqhost::compareBuild;

/// A reference build of random keys: h_kv 2, d 16, S 2, C 16, ip or not.
struct Built {
  StepBuffers buffers;
  int64_t iterations = 0;

  explicit Built(Metric metric, ElementType centroids = ElementType::F32)
      : buffers(config(metric, centroids), 100, 0) {
    fillRandom(buffers, 7, DataMode::Random);
    BuildArgs args;
    args.seqLen = buffers.seqLen;
    args.kmeansIter = 5;
    args.key = buffers.key.data();
    args.centroids = buffers.centroids.data();
    args.phi = metric == Metric::InnerProduct ? buffers.phi.data() : nullptr;
    args.codebook = buffers.codebook.data();
    args.numCached = &buffers.numCached;
    args.iterations = &iterations;
    Status status = referenceBuild(buffers.config, args);
    EXPECT_TRUE(status.ok()) << status.message;
  }

  static StepConfig config(Metric metric, ElementType centroids) {
    StepConfig c;
    c.batch = 2;
    c.heads = 4;
    c.kvHeads = 2;
    c.headDim = 16;
    c.subspaces = 2;
    c.bits = 4;
    c.initOffset = 4;
    c.metric = metric;
    c.queryType = ElementType::F32;
    c.centroidType = centroids;
    return c;
  }

  BuildOutputs outputs() const {
    return {buffers.centroids.data(), buffers.phi.data(),
            buffers.codebook.data(), &iterations};
  }
};

pqhost::BuildComparison compare(const Built &reference, const Built &actual) {
  return compareBuild(reference.buffers.config, reference.buffers.seqLen,
                      reference.buffers.key.data(), reference.outputs(),
                      actual.outputs());
}

TEST(BuildCheck, AReferenceBuildEqualsItself) {
  for (Metric metric : {Metric::Euclidean, Metric::InnerProduct}) {
    Built reference(metric);
    Built same = reference;
    pqhost::BuildComparison result = compare(reference, same);
    EXPECT_TRUE(result.status.ok()) << result.status.message;
    EXPECT_EQ(result.codes, 2 * 2 * 2 * 96);
    EXPECT_EQ(result.nearTies, 0);
    EXPECT_TRUE(result.centroidsChecked);
    EXPECT_EQ(result.maxCentroidError, 0.0);
    EXPECT_EQ(result.summary(), "768 codes equal, centroids within 0");
  }
}

TEST(BuildCheck, CentroidsWithinTheTolerance) {
  Built reference(Metric::Euclidean);
  Built other = reference;
  StepBuffers &b = other.buffers;
  const int64_t at = centroidOffset(b.config, 1, 1, 0, 3, 2);
  const float value = loadFloat(ElementType::F32, b.centroids.data(), at);
  const float scale = std::max(1.0f, std::fabs(value));
  storeFloat(ElementType::F32, b.centroids.data(), at, value + 5e-6f * scale);
  pqhost::BuildComparison result = compare(reference, other);
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  EXPECT_GT(result.maxCentroidError, 4e-6);
  storeFloat(ElementType::F32, b.centroids.data(), at, value + 3e-5f * scale);
  result = compare(reference, other);
  EXPECT_EQ(result.status.code, StatusCode::Mismatch);
  EXPECT_NE(result.status.message.find(
                "centroids: b 1, kv 1, s 0, centroid 3, column 2: got "),
            std::string::npos)
      << result.status.message;
}

TEST(BuildCheck, Bf16CentroidsOneStepApart) {
  Built reference(Metric::Euclidean, ElementType::BF16);
  Built other = reference;
  auto *bits = reinterpret_cast<uint16_t *>(other.buffers.centroids.data());
  const int64_t at = centroidOffset(other.buffers.config, 0, 1, 1, 5, 0);
  bits[at] = uint16_t(bits[at] + 1); // the next bf16 value
  pqhost::BuildComparison result = compare(reference, other);
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  bits[at] = uint16_t(bits[at] + 2); // three steps
  result = compare(reference, other);
  EXPECT_EQ(result.status.code, StatusCode::Mismatch) << result.status.message;
}

TEST(BuildCheck, AWrongCodeIsNotANearTie) {
  Built reference(Metric::Euclidean);
  Built other = reference;
  StepBuffers &b = other.buffers;
  const int64_t code = b.code(1, 17, 0, 1);
  b.setCode(1, 17, 0, 1, (code + 1) % 16);
  pqhost::BuildComparison result = compare(reference, other);
  EXPECT_EQ(result.status.code, StatusCode::Mismatch);
  EXPECT_NE(result.status.message.find("codes: b 1, kv 0, s 1, key 17: got "),
            std::string::npos)
      << result.status.message;
  EXPECT_NE(result.status.message.find("not a near-tie"), std::string::npos);
  EXPECT_NE(result.status.message.find("is not the nearest built centroid"),
            std::string::npos)
      << result.status.message;
  b.setCode(1, 17, 0, 1, 16);
  result = compare(reference, other);
  EXPECT_NE(result.status.message.find("code 16 is outside [0, 16)"),
            std::string::npos)
      << result.status.message;
}

TEST(BuildCheck, ANearTieIsCountedAndSkipsTheCentroids) {
  Built reference(Metric::Euclidean);
  // Key 0 of (b 0, kv 0, s 0) exactly between centroids 2 and 9.
  StepBuffers &r = reference.buffers;
  const int64_t ds = r.config.subDim();
  for (int64_t i = 0; i < ds; ++i) {
    const float c2 = loadFloat(ElementType::F32, r.centroids.data(),
                               centroidOffset(r.config, 0, 0, 0, 2, i));
    const float c9 = loadFloat(ElementType::F32, r.centroids.data(),
                               centroidOffset(r.config, 0, 0, 0, 9, i));
    r.setKey(0, 0, r.config.initOffset, i, 0.5f * (c2 + c9));
    // Centroid 9 mirrors centroid 2 through the key in this column, so
    // the two distances are equal up to rounding.
  }
  r.setCode(0, 0, 0, 0, 2);
  Built other = reference;
  other.buffers.setCode(0, 0, 0, 0, 9);
  // A perturbed centroid goes unnoticed: the centroids are not compared.
  storeFloat(ElementType::F32, other.buffers.centroids.data(),
             centroidOffset(r.config, 1, 1, 1, 1, 1), 123.0f);
  pqhost::BuildComparison result = compare(reference, other);
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  EXPECT_EQ(result.nearTies, 1);
  EXPECT_FALSE(result.centroidsChecked);
  EXPECT_EQ(result.summary(),
            "768 codes, 1 differ at near-ties (centroids not compared)");
}

TEST(BuildCheck, PhiAndIterations) {
  Built reference(Metric::InnerProduct);
  Built other = reference;
  other.buffers.phi[phiOffset(other.buffers.config, 1, 0, 1)] += 1e-6f;
  pqhost::BuildComparison result = compare(reference, other);
  EXPECT_EQ(result.status.code, StatusCode::Mismatch);
  EXPECT_EQ(result.status.message.rfind("phi: b 1, kv 0, s 1: got ", 0), 0u)
      << result.status.message;
  other = reference;
  other.iterations += 1;
  result = compare(reference, other);
  EXPECT_EQ(result.status.message.rfind("iterations: got ", 0), 0u)
      << result.status.message;
  BuildOutputs none = other.outputs();
  none.iterations = nullptr; // not asked: not compared
  result = compareBuild(reference.buffers.config, reference.buffers.seqLen,
                        reference.buffers.key.data(), reference.outputs(),
                        none);
  EXPECT_TRUE(result.status.ok()) << result.status.message;
}

/// Moves the fullest centroid of (b 0, kv 0, s 0) in `built` by `shift` in
/// column 0 and reassigns that group's keys to their nearest centroid, as a
/// run that diverged would have: returns the keys whose code changed.
std::vector<int64_t> divergeGroup(Built &built, float shift) {
  StepBuffers &b = built.buffers;
  const StepConfig &c = b.config;
  const int64_t width = c.centroidDim();
  std::vector<int64_t> members(c.centroids(), 0);
  for (int64_t j = 0; j < b.seqLen - c.initOffset; ++j) {
    ++members[b.code(0, j, 0, 0)];
  }
  const int64_t fullest =
      std::max_element(members.begin(), members.end()) - members.begin();
  const int64_t at = centroidOffset(c, 0, 0, 0, fullest, 0);
  storeFloat(ElementType::F32, b.centroids.data(), at,
             loadFloat(ElementType::F32, b.centroids.data(), at) + shift);
  std::vector<int64_t> changed;
  for (int64_t j = 0; j < b.seqLen - c.initOffset; ++j) {
    int64_t best = 0;
    double nearest = 0;
    for (int64_t k = 0; k < c.centroids(); ++k) {
      double d = 0;
      for (int64_t i = 0; i < width; ++i) {
        const double diff =
            double(b.keyValue(0, 0, j + c.initOffset, i)) -
            loadFloat(ElementType::F32, b.centroids.data(),
                      centroidOffset(c, 0, 0, 0, k, i));
        d += diff * diff;
      }
      if (k == 0 || d < nearest) {
        nearest = d;
        best = k;
      }
    }
    if (best != b.code(0, j, 0, 0)) {
      changed.push_back(j);
      b.setCode(0, j, 0, 0, best);
    }
  }
  return changed;
}

TEST(BuildCheck, DivergedRunsAreJudgedOnTheirOwn) {
  Built reference(Metric::Euclidean);
  Built other = reference;
  std::vector<int64_t> changed;
  for (float shift = 0.125f; changed.size() < 2 && shift < 8; shift *= 2) {
    other = reference;
    changed = divergeGroup(other, shift);
  }
  ASSERT_GE(changed.size(), 2u);
  other.iterations += 1; // diverged runs may stop at another iteration
  pqhost::BuildComparison result = compare(reference, other);
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  EXPECT_EQ(result.diverged, int64_t(changed.size()));
  EXPECT_FALSE(result.centroidsChecked);
  EXPECT_GT(result.reconstructionError, 0.0);
  EXPECT_LT(result.reconstructionError, 0.01);
  EXPECT_NE(result.summary().find("differ after the runs diverged"),
            std::string::npos)
      << result.summary();

  // Not for a build of T = 0, and not beyond the reconstruction tolerance.
  pqhost::BuildCheckOptions strict;
  strict.allowDivergence = false;
  result = compareBuild(reference.buffers.config, reference.buffers.seqLen,
                        reference.buffers.key.data(), reference.outputs(),
                        other.outputs(), strict);
  EXPECT_NE(result.status.message.find("the built centroids differ from the "
                                       "reference's"),
            std::string::npos)
      << result.status.message;
  pqhost::BuildCheckOptions tight;
  tight.reconstructionTolerance = 1e-9;
  result = compareBuild(reference.buffers.config, reference.buffers.seqLen,
                        reference.buffers.key.data(), reference.outputs(),
                        other.outputs(), tight);
  EXPECT_NE(result.status.message.find("reconstruction error"),
            std::string::npos)
      << result.status.message;

  // A key the diverged run left with a farther centroid of its own.
  other.buffers.setCode(0, changed[0], 0, 0,
                        reference.buffers.code(0, changed[0], 0, 0));
  result = compare(reference, other);
  EXPECT_EQ(result.status.code, StatusCode::Mismatch);
  EXPECT_NE(result.status.message.find(
                "codes: b 0, kv 0, s 0, key " + std::to_string(changed[0]) +
                ": got "),
            std::string::npos)
      << result.status.message;
  EXPECT_NE(result.status.message.find("is nearer"), std::string::npos)
      << result.status.message;
}

TEST(BuildCheck, ClusteredKeysFollowTheirCenters) {
  StepConfig c = Built::config(Metric::Euclidean, ElementType::F32);
  StepBuffers buffers(c, 100, 0);
  fillClusteredKeys(buffers, 3, 16);
  // Keys j and j + 16 (past init_offset) share a center: close together;
  // keys of different centers are far apart.
  auto gap = [&](int64_t p, int64_t q) {
    double sum = 0;
    for (int64_t i = 0; i < c.subDim(); ++i) {
      double d = buffers.keyValue(1, 1, p, i) - buffers.keyValue(1, 1, q, i);
      sum += d * d;
    }
    return sum;
  };
  EXPECT_LT(gap(4 + 3, 4 + 3 + 16), 0.5);
  EXPECT_LT(gap(4 + 3, 4 + 3 + 32), 0.5);
  EXPECT_GT(gap(4 + 3, 4 + 4), 0.5);
}

} // namespace
} // namespace test
} // namespace pqrt
