//===- Executor.h - What runs the step --------------------------*- C++ -*-===//
//
// pq-run hands host buffers to an Executor and gets the outputs back in the
// same buffers. Today there is one: the CPU reference. The GPU executor
// (libpqrt: load a bundle, upload, launch, download) plugs in here; it will
// also report device time for --bench.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_PQRUN_EXECUTOR_H
#define PQ_TOOLS_PQRUN_EXECUTOR_H

#include "Options.h"

#include "pqrt/Reference.h"

#include <memory>
#include <string>

namespace pqrun {

class Executor {
public:
  virtual ~Executor() = default;
  /// "cpu reference", later "gpu sm_90 (bundle.pqmod)".
  virtual std::string name() const = 0;
  /// Runs one step in place on host buffers: writes the outputs, appends new
  /// codes to the codebook and updates *args.numCached, as SEMANTICS.md says.
  /// Writes nothing when it returns an error.
  virtual pqrt::Status run(const pqrt::StepConfig &config,
                           const pqrt::StepArgs &args) = 0;
};

std::unique_ptr<Executor> makeCpuReferenceExecutor();

/// The executor for --device and the (optional) bundle path. `note` says
/// why when the choice was automatic. Errors when the request cannot be met
/// (today: any GPU request).
pqrt::Status selectExecutor(Device device, const std::string &bundle,
                            std::unique_ptr<Executor> &executor,
                            std::string &note);

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_EXECUTOR_H
