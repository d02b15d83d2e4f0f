//===- CApiBridge.h - pqrt's C API and the C++ step types -------*- C++ -*-===//
//
// pq-run keeps its buffers in pqrt_tools' C++ types (StepConfig,
// StepBuffers) and runs, loads and compares through libpqrt's C API; these
// are the conversions between the two.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_PQRUN_CAPIBRIDGE_H
#define PQ_TOOLS_PQRUN_CAPIBRIDGE_H

#include "pqrt/CConfig.h"
#include "pqrt/Compare.h"
#include "pqhost/StepBuffers.h"
#include "pqrt/pqrt.h"

#include <string>

namespace pqrun {

/// libpqrt's status and pqrt_last_error() as a pqrt::Status; `what`, when
/// given, prefixes the message.
pqrt::Status fromC(pqrt_status status, const std::string &what);

/// A pqrt_step over host buffers (for pqrt_bundle_validate_step and the
/// reference functions).
pqrt_step hostStep(pqrt::StepBuffers &buffers);

/// pqrt_reference_compare over C++ views: Ok, or Mismatch naming the first
/// difference (default tolerance).
pqrt::Status compareWithReference(const pqrt::StepConfig &config,
                                  int64_t seqLen,
                                  const pqrt::StepOutputs &reference,
                                  const float *scores,
                                  const pqrt::StepOutputs &actual);

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_CAPIBRIDGE_H
