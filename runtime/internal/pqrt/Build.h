//===- Build.h - CPU reference of the index build ---------------*- C++ -*-===//
//
// SEMANTICS.md "Building the index": k-means per (b, kv head, subspace)
// over the keys [init_offset, sk), then the codes of all of them. The
// oracle for the GPU build and the no-GPU path. Validates first; writes
// nothing when it reports an error.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_BUILD_H
#define PQRT_BUILD_H

#include "pqrt/Config.h"

#include <cstdint>

namespace pqrt {

/// The build's buffers. The configuration's batch, kv_heads, head_dim,
/// subspaces, bits, init_offset, metric, layout, queryType (the key cache's
/// type), centroidType (the centroids written), keyCapacity and
/// codeCapacity apply; the rest must only be valid.
struct BuildArgs {
  int64_t seqLen = 0;         // sk: keys [init_offset, sk) are clustered
  int64_t kmeansIter = 0;     // T: Lloyd iterations at most, >= 0
  const void *key = nullptr;  // [b, h_kv, keyCapacity, d] queryType
  /// [groups, C] point indices in [0, n), distinct within a group (group
  /// g = (b * h_kv + kv) * S + s); null: initialIndices(seed, ...).
  const int64_t *initial = nullptr;
  uint64_t seed = 0;
  void *centroids = nullptr;     // out [b, h_kv, S, C, ds'] centroidType
  float *phi = nullptr;          // out [b * h_kv * S], metric ip only
  void *codebook = nullptr;      // out rows [0, n), codeCapacity rows
  int64_t *numCached = nullptr;  // out: n
  int64_t *iterations = nullptr; // optional out: Lloyd iterations run
};

/// Groups of a build: b * h_kv * S.
inline int64_t buildGroups(const StepConfig &c) {
  return c.batch * c.kvHeads * c.subspaces;
}

/// The seeded rule: group g's C distinct initial point indices in [0, n),
/// the first C draws of a Fisher-Yates shuffle of [0, n) driven by
/// SplitMix64 seeded with seed + (g + 1) * 0x9E3779B97F4A7C15 (draw i takes
/// i + next() % (n - i)). Requires 1 <= count <= n.
void initialIndices(uint64_t seed, int64_t group, int64_t n, int64_t count,
                    int64_t *out);

/// Checks a build's arguments: a valid configuration and sk, n = sk -
/// init_offset >= C (naming both), 0 <= T <= PQRT_MAX_KMEANS_ITER, every
/// buffer present (phi for ip only) and within int64 sizes, key_capacity >=
/// sk, code_capacity >= n, initial indices in [0, n) and distinct per group.
Status validateBuild(const StepConfig &config, const BuildArgs &args);

/// Runs the build on host memory (SEMANTICS.md). fp32 points and
/// distances (summed by increasing dimension, NaN as +inf, ties to the
/// lowest c); centroid means summed in double by increasing point index and
/// rounded to fp32 once, so the result does not depend on a summation order
/// up to that rounding; an empty cluster keeps its centroid. After each
/// update, the build stops when every group's (sum_c ||c_new - c_old||)^2
/// (in double) is below 1e-4. The codes are the assignment to the centroids
/// as stored (bf16 centroids: rounded first), as a later step will see them.
Status referenceBuild(const StepConfig &config, const BuildArgs &args);

} // namespace pqrt

#endif // PQRT_BUILD_H
