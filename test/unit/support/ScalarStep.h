//===- ScalarStep.h - Hand-computable steps for tests -----------*- C++ -*-===//
//
// d = S = 1 and f32 everywhere, so score[j] = query * centroid[code j]:
// a test picks the centroid values and codes and knows every score, which
// makes sink / heavy / window placement checkable by hand.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_UNIT_SUPPORT_SCALARSTEP_H
#define PQ_TEST_UNIT_SUPPORT_SCALARSTEP_H

#include "pqhost/StepBuffers.h"

#include <vector>

namespace pqrt {
namespace test {

/// One head, d = S = 1, euclidean, compact codes, f32 values, i64 indices.
StepConfig scalarConfig(int64_t bits, int64_t sink, int64_t window,
                        int64_t heavy, int64_t initOffset);

/// Every one of the n rows is already cached with codes[j]; centroid c of
/// every (b, kv) is values[c] and every query is 1.
StepBuffers scalarStep(const StepConfig &config, int64_t seqLen,
                       const std::vector<float> &values,
                       const std::vector<int64_t> &codes);

/// The heavy part of a sparse_list row: entries [min(sink, sk), + k).
std::vector<int64_t> heavyPart(const StepBuffers &buffers, int64_t b,
                               int64_t head);

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_SUPPORT_SCALARSTEP_H
