//===- CApiStep.h - StepBuffers as C API structs ----------------*- C++ -*-===//
//
// Tests (and the GPU tests) describe steps with the C++ StepConfig and
// StepBuffers; these turn them into the pqrt_config / pqrt_step of pqrt.h.
// Written independently of the library's own conversion so that tests
// check it.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_UNIT_SUPPORT_CAPISTEP_H
#define PQ_TEST_UNIT_SUPPORT_CAPISTEP_H

#include "pqhost/StepBuffers.h"
#include "pqrt/pqrt.h"

namespace pqrt {
namespace test {

pqrt_config cConfig(const StepConfig &config);

/// A pqrt_step over `buffers`' host memory (batch and capacities from its
/// config, num_cached pointing at buffers.numCached).
pqrt_step cStep(StepBuffers &buffers);

/// A step to validate only (pqrt_bundle_validate_step): b = 1, sk and key
/// capacity 200, code capacity 196, num_cached pointing at `numCached`, and
/// every buffer at an address validation must never dereference.
pqrt_step validationOnlyStep(int64_t *numCached);

/// The outputs of `buffers` as pqrt_outputs.
pqrt_outputs cOutputs(const StepBuffers &buffers);

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_SUPPORT_CAPISTEP_H
