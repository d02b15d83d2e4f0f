//===- RandomStep.h - Seeded random steps for tests -------------*- C++ -*-===//
//
// Random configurations and inputs (std::mt19937_64, so a seed reproduces a
// case exactly on every machine). DataMode::Ties builds inputs full of exact
// ties: few distinct centroids per subspace (duplicated, so quantization ties
// too), keys that are exact copies of centroids, and small dyadic query values
// so every score is exact in fp32 whatever the summation order.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_UNIT_SUPPORT_RANDOMSTEP_H
#define PQ_TEST_UNIT_SUPPORT_RANDOMSTEP_H

#include "StepBuffers.h"

#include <random>

namespace pqrt {
namespace test {

enum class DataMode { Random, Ties };

/// Fills query, key, centroids, phi and codebook rows [0, numCached).
void fillRandom(StepBuffers &buffers, uint64_t seed, DataMode mode);

/// Buffers for (config, sk, numCached) filled by fillRandom.
StepBuffers makeRandomStep(const StepConfig &config, int64_t seqLen,
                           int64_t numCached, uint64_t seed,
                           DataMode mode = DataMode::Random);

/// A small valid configuration: every metric, layout, element type and GQA
/// group, sink/window/heavy/init_offset in ranges that reach every edge case.
StepConfig randomConfig(std::mt19937_64 &rng);

/// sk for `config`: usually past the full-attention threshold (by up to
/// `spread`), sometimes at or below it.
int64_t randomSeqLen(const StepConfig &config, std::mt19937_64 &rng,
                     int64_t spread = 48);

/// n_cached in [0, n]: mostly n minus a few new keys, sometimes 0.
int64_t randomNumCached(const StepConfig &config, int64_t seqLen,
                        std::mt19937_64 &rng);

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_SUPPORT_RANDOMSTEP_H
