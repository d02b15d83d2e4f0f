//===- BenchInputs.h - Random inputs of one timed call ----------*- C++ -*-===//
//
// pqrt::fillRandom draws every key of the cache (about 30 ns each: half a
// minute for the shape table, minutes for the batch sweep), but a step reads
// only the keys it quantizes. So pq-bench draws query, centroids and codes
// with fillRandom over a one-row key cache and then draws just the keys its
// columns quantize; the other key rows stay zero, and a call that quantizes
// nothing gets no key cache at all (libpqrt does not read it then).
//
//===----------------------------------------------------------------------===//

#ifndef PQ_BENCH_BENCHINPUTS_H
#define PQ_BENCH_BENCHINPUTS_H

#include "pqhost/StepBuffers.h"

#include <cstdint>

namespace pqbench {

/// Inputs for `config` at sk = `seqLen` with n_cached = n - `maxNewKeys`:
/// codes [0, n_cached) uniform, the rest sentinel bytes; normal query and
/// centroids; normal keys at the positions [sk - maxNewKeys, sk) that the
/// step quantizes. The key cache has sk rows when maxNewKeys > 0, else one.
/// Needs 0 <= maxNewKeys <= n.
pqrt::StepBuffers makeBenchInputs(const pqrt::StepConfig &config,
                                  int64_t seqLen, int64_t maxNewKeys,
                                  uint64_t seed);

/// Sets codebook rows [from, n) to sentinel bytes: how a step that still has
/// to quantize them receives them, so a code it fails to write shows.
void clearCodes(pqrt::StepBuffers &buffers, int64_t from);

} // namespace pqbench

#endif // PQ_BENCH_BENCHINPUTS_H
