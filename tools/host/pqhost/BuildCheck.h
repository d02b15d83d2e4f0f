//===- BuildCheck.h - A GPU-built index against the reference's -*- C++ -*-===//
//
// How pq-run --check and the GPU tests judge an index build (docs/BUILD.md):
// the GPU computes distances as ||c||^2 - 2 x.c in fp32 (FMA, tensor cores),
// the reference sums (x - c)^2 by increasing dimension, so near-equidistant
// centroids may be ranked differently. The rules:
// - phi equal (bitwise; metric ip), iterations equal when both are given;
// - codes equal, except at a near-tie: with the actual (GPU) centroids,
//   |d(x, c_actual) - d(x, c_reference)| <= 1e-5 * (||x||^2 + ||c||^2) plus
//   what the centroid tolerance below can move either distance (so bf16
//   centroids one rounding step apart do not count as a mismatch);
// - centroids within 1e-5 * max(1, |reference|) (bf16: or one bf16 step),
//   checked only when no code differed: a near-tie taken the other way
//   during the run moves the centroids that follow it.
// Host memory only, no GPU.
//
//===----------------------------------------------------------------------===//

#ifndef PQHOST_BUILDCHECK_H
#define PQHOST_BUILDCHECK_H

#include "pqrt/Config.h"

#include <cstdint>
#include <string>

namespace pqhost {

/// One build's outputs in host memory, laid out as pqrt_build describes
/// them for the configuration's batch and capacities.
struct BuildOutputs {
  const void *centroids = nullptr;     // [b, h_kv, S, C, ds'] centroidType
  const float *phi = nullptr;          // [b * h_kv * S], metric ip
  const void *codebook = nullptr;      // codes of rows [0, n)
  const int64_t *iterations = nullptr; // optional
};

struct BuildComparison {
  pqrt::Status status;      // Ok, or Mismatch naming the first difference
  int64_t codes = 0;        // codes compared (b * h_kv * S * n)
  int64_t nearTies = 0;     // codes that differ at a near-tie
  bool centroidsChecked = false; // false when a code differed
  double maxCentroidError = 0;   // relative, max(1, |reference|) scaled

  /// "16384 codes equal, centroids within 3.1e-07" or "... 2 near-ties
  /// (centroids not compared)".
  std::string summary() const;
};

/// The relative tolerance of the centroids and of the near-tie test.
constexpr double kBuildTolerance = 1e-5;

/// Compares `actual` with `reference`, the two builds of the key cache `key`
/// ([b, h_kv, keyCapacity, d] of `config`'s queryType) for sk = `seqLen`.
/// `config` carries the call's batch and capacities.
BuildComparison compareBuild(const pqrt::StepConfig &config, int64_t seqLen,
                             const void *key, const BuildOutputs &reference,
                             const BuildOutputs &actual);

} // namespace pqhost

#endif // PQHOST_BUILDCHECK_H
