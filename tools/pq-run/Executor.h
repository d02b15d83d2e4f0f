//===- Executor.h - What runs the step --------------------------*- C++ -*-===//
//
// pq-run hands host buffers to an Executor and gets the outputs back in the
// same buffers: the CPU reference, or a compiled bundle on the GPU through
// libpqrt (upload, launch on a stream, download). Both time --bench runs;
// the GPU one also reports device time from CUDA events.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_PQRUN_EXECUTOR_H
#define PQ_TOOLS_PQRUN_EXECUTOR_H

#include "BundleFile.h"
#include "Options.h"

#include "pqhost/StepBuffers.h"

#include <memory>
#include <string>
#include <vector>

namespace pqrun {

/// What --build asks for (docs/BUILD.md): T and the seed of the initial
/// indices.
struct BuildRequest {
  int64_t kmeansIter = 10;
  uint64_t seed = 0;
};

/// What a build reports.
struct BuildResult {
  int64_t iterations = 0; // Lloyd iterations run
  double ms = 0;          // the build's time (see `where`)
  std::string where;      // "CPU reference", "GPU, device time", ...
  bool onGpu = false;
};

/// Per-step times of --bench runs, in seconds.
struct BenchTimes {
  std::vector<double> wall; // the call until its results are ready
  std::vector<double> gpu;  // CUDA events around the step (GPU only)
};

class Executor {
public:
  virtual ~Executor() = default;
  /// "cpu reference", "gpu 0 NVIDIA H100 ... (sm_90, sm_90 cubin)".
  virtual std::string name() const = 0;
  /// What the one-step time printed after run() includes, if not obvious.
  virtual std::string timeNote() const { return ""; }
  /// Work before the first step that is not the step (loading a module,
  /// allocating device memory), so run() times the step alone.
  virtual pqrt::Status prepare(pqrt::StepBuffers &buffers) {
    (void)buffers;
    return pqrt::Status::success();
  }
  /// Builds the index of `buffers`' key cache in place (centroids, phi,
  /// codebook; numCached = n), after prepare(). The default is the CPU
  /// reference; the GPU executor runs the bundle's build when it has one.
  /// Writes nothing when it returns an error.
  virtual pqrt::Status build(pqrt::StepBuffers &buffers,
                             const BuildRequest &request, BuildResult &result);
  /// Runs one step in place on host buffers: writes the outputs, appends new
  /// codes to the codebook and updates buffers.numCached, as SEMANTICS.md
  /// says. Writes no output when it returns an error.
  virtual pqrt::Status run(pqrt::StepBuffers &buffers) = 0;
  /// Times `runs` more steps on the inputs as they were before the first
  /// (n_cached reset to `numCachedBefore`: new keys are quantized again,
  /// identically). The outputs in `buffers` may be left stale.
  virtual pqrt::Status bench(pqrt::StepBuffers &buffers,
                             int64_t numCachedBefore, int64_t runs,
                             BenchTimes &times);
};

std::unique_ptr<Executor> makeCpuReferenceExecutor();

/// The CPU reference build of `buffers` (what Executor::build does unless
/// overridden).
pqrt::Status referenceBuildOf(pqrt::StepBuffers &buffers,
                              const BuildRequest &request,
                              BuildResult &result);

/// The GPU executor for `bundle` on device `ordinal`: opens the driver and
/// the device now (NoDriver / NoDevice when there is none), loads the module
/// at prepare().
pqrt::Status makeGpuExecutor(std::shared_ptr<const BundleFile> bundle,
                             int ordinal, std::unique_ptr<Executor> &out);

/// The executor for --device and the bundle (null in flags mode). `note`
/// says why when the choice was automatic. Errors when the request cannot
/// be met: --device=gpu without a bundle or without a usable GPU.
pqrt::Status selectExecutor(Device device,
                            std::shared_ptr<const BundleFile> bundle,
                            std::unique_ptr<Executor> &executor,
                            std::string &note);

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_EXECUTOR_H
