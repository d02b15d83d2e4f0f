//===- RandomInputs.h - Seeded random step inputs ---------------*- C++ -*-===//
//
// Inputs for one step from a seed (std::mt19937_64 and the standard
// distributions' libstdc++ algorithms, so a seed reproduces the bytes on every
// machine with the same standard library). DataMode::Ties builds inputs full
// of exact ties: few distinct centroids per subspace (duplicated, so
// quantization ties too), keys that are exact copies of centroids, and small
// dyadic query values so every score is exact in fp32 whatever the summation
// order. Used by pq-run and by the tests.
//
//===----------------------------------------------------------------------===//

#ifndef PQHOST_RANDOMINPUTS_H
#define PQHOST_RANDOMINPUTS_H

#include "pqhost/StepBuffers.h"

#include <cstdint>

namespace pqrt {

enum class DataMode {
  Random, // normal(0, 1) values; phi near the largest ||x_s||^2
  Ties,   // many exact ties (see above)
};

/// Fills query, key, centroids, phi and codebook rows [0, numCached) (codes
/// uniform in [0, C)).
void fillRandom(StepBuffers &buffers, uint64_t seed, DataMode mode);

/// Replaces the whole key cache with clustered points: per (b, kv head,
/// subspace), `centers` centers drawn normal(0, 2), and the columns of the
/// key at position p are center (p - init_offset) mod `centers` (p mod
/// `centers` below init_offset) plus normal(0, 0.05) noise. So point j of
/// a build is of center j mod `centers`, and with centers = C the initial
/// indices 0 .. C-1 seed one centroid per cluster: k-means then has one
/// well-separated minimum, which builds that differ only in rounding reach
/// with the same assignments (the index build's tests).
void fillClusteredKeys(StepBuffers &buffers, uint64_t seed, int64_t centers);

/// Buffers for (config, sk, numCached) filled by fillRandom.
StepBuffers makeRandomStep(const StepConfig &config, int64_t seqLen,
                           int64_t numCached, uint64_t seed,
                           DataMode mode = DataMode::Random);

} // namespace pqrt

#endif // PQHOST_RANDOMINPUTS_H
