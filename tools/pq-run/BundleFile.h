//===- BundleFile.h - A .pqmod bundle loaded through libpqrt ----*- C++ -*-===//
//
// The bundle pq-run was given: parsed and validated by libpqrt's C API, with
// its info and step configuration, shared by the configuration source (which
// reads the step from it) and the GPU executor (which loads it on a device).
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_PQRUN_BUNDLEFILE_H
#define PQ_TOOLS_PQRUN_BUNDLEFILE_H

#include "pqrt/Config.h"
#include "pqrt/pqrt.h"

#include <memory>
#include <string>

namespace pqrun {

struct BundleFile {
  std::string path;
  std::shared_ptr<pqrt_bundle> handle;
  pqrt_bundle_info info{};
  pqrt::StepConfig config; // batch 1 (or the static batch), capacities 0

  /// "sm_90 cubin" / "sm_80 PTX (JIT)": the image a device of `sm` loads,
  /// or why none fits.
  std::string imageFor(int sm) const;
};

/// Loads `path`; errors carry libpqrt's message ("bundle: ...").
pqrt::Status loadBundleFile(const std::string &path,
                            std::shared_ptr<const BundleFile> &out);

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_BUNDLEFILE_H
