//===- StepBuffers.h - Host buffers of one step for tests -------*- C++ -*-===//
//
// StepBuffers now lives in the runtime's tools library (pq-run uses it too);
// this header keeps the tests' include and makes the names visible in
// pqrt::test.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_UNIT_SUPPORT_STEPBUFFERS_H
#define PQ_TEST_UNIT_SUPPORT_STEPBUFFERS_H

#include "pqrt/StepBuffers.h"

namespace pqrt {
namespace test {

using pqrt::kSentinel;
using pqrt::StepBuffers;

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_SUPPORT_STEPBUFFERS_H
