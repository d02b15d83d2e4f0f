//===- CApi.h - Shared pieces of the C API implementation -------*- C++ -*-===//
//
// The opaque handles, the thread-local last error, and the guard that keeps
// C++ exceptions from crossing the C boundary.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_CAPI_CAPI_H
#define PQRT_LIB_CAPI_CAPI_H

#include "Structs.h"
#include "bundle/Bundle.h"
#include "indexer/BuildLaunch.h"
#include "indexer/Indexer.h"
#include "indexer/Launch.h"
#include "pqrt/CConfig.h"
#include "pqrt/pqrt.h"

#include <exception>
#include <memory>
#include <new>
#include <string>

struct pqrt_bundle {
  std::shared_ptr<const pqrt::bundle::Bundle> bundle;
};

struct pqrt_indexer {
  std::unique_ptr<pqrt::indexer::Indexer> indexer;
};

namespace pqrt {
namespace capi {

/// Records `status` as this thread's last error and returns its code.
pqrt_status finish(const Status &status);

/// InvalidArgument "<name>: is null".
Status nullArgument(const char *name);

/// Records an internal error (PQRT_INTERNAL_ERROR).
pqrt_status finishInternal(const std::string &message);

/// Runs `body` (returning Status), turning exceptions into statuses.
template <typename Body> pqrt_status guarded(Body &&body) {
  try {
    return finish(body());
  } catch (const std::bad_alloc &) {
    return finishInternal("out of host memory");
  } catch (const std::exception &error) {
    return finishInternal(std::string("unexpected error: ") + error.what());
  } catch (...) {
    return finishInternal("unexpected error");
  }
}

/// Reads a config and a step (readStruct): the StepConfig of the call
/// (`config` with the step's batch and capacities) and the step itself.
Status readStep(const pqrt_config *config, const pqrt_step *step,
                StepConfig &outConfig, pqrt_step &outStep);
/// The pointers and sk of a step read by readStruct / readStep.
StepArgs stepArgs(const pqrt_step &step);
indexer::RunArgs runArgs(const pqrt_step &step);
/// The pointers, sk, T and seed of a build read by readStruct.
BuildArgs buildArgs(const pqrt_build &build);
indexer::BuildRunArgs buildRunArgs(const pqrt_build &build);

} // namespace capi
} // namespace pqrt

#endif // PQRT_LIB_CAPI_CAPI_H
