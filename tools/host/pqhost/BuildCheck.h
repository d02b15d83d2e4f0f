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
//   during the run moves the centroids that follow it;
// - when such a move shows in the final codes (a code differs beyond a
//   near-tie, and the GPU's is the nearer of the two with its own centroids:
//   the runs diverged, possible only with T >= 1), the two runs are
//   different k-means runs: then every GPU code must be the nearest of the
//   GPU's centroids (up to the near-tie tolerance) and the GPU's
//   reconstruction error (sum of squared distances to the assigned
//   centroids) within 1% of the reference's; iterations and centroids are
//   not compared. A GPU code farther than the reference's is a mismatch.
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
  int64_t diverged = 0;     // codes that differ because the runs diverged
  bool centroidsChecked = false; // false when a code differed
  double maxCentroidError = 0;   // relative, max(1, |reference|) scaled
  double reconstructionError = 0; // diverged: |E_gpu - E_ref| / E_ref

  /// "16384 codes equal, centroids within 3.1e-07", "... 2 differ at
  /// near-ties (centroids not compared)", "... 40 differ after the runs
  /// diverged: ... reconstruction error within 0.02% ...".
  std::string summary() const;
};

/// The relative tolerance of the centroids and of the near-tie test.
constexpr double kBuildTolerance = 1e-5;

struct BuildCheckOptions {
  /// Accept runs that diverged (above); only a build of T >= 1 can.
  bool allowDivergence = true;
  /// The reconstruction error of a diverged run, relative to the
  /// reference's.
  double reconstructionTolerance = 0.01;
};

/// Compares `actual` with `reference`, the two builds of the key cache `key`
/// ([b, h_kv, keyCapacity, d] of `config`'s queryType) for sk = `seqLen`.
/// `config` carries the call's batch and capacities.
BuildComparison compareBuild(const pqrt::StepConfig &config, int64_t seqLen,
                             const void *key, const BuildOutputs &reference,
                             const BuildOutputs &actual,
                             const BuildCheckOptions &options = {});

} // namespace pqhost

#endif // PQHOST_BUILDCHECK_H
