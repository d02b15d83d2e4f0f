//===- RandomStep.h - Seeded random steps for tests -------------*- C++ -*-===//
//
// Random configurations, sk and n_cached for tests (std::mt19937_64, so a
// seed reproduces a case). The random inputs (fillRandom, makeRandomStep,
// DataMode) live in pqrt_tools, shared with pq-run: see pqrt/RandomInputs.h.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_UNIT_SUPPORT_RANDOMSTEP_H
#define PQ_TEST_UNIT_SUPPORT_RANDOMSTEP_H

#include "pqhost/StepBuffers.h"
#include "pqhost/RandomInputs.h"

#include <random>

namespace pqrt {
namespace test {

using pqrt::DataMode;
using pqrt::fillRandom;
using pqrt::makeRandomStep;

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
