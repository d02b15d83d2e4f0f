//===- ConfigSource.h - Where the step configuration comes from -*- C++ -*-===//
//
// The static step configuration (everything a compiled module fixes) comes
// from one source: a preset plus command-line flags, or the manifest of a
// .pqmod bundle (docs/BUNDLE.md "step"), with the flags only allowed to agree
// with it.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_PQRUN_CONFIGSOURCE_H
#define PQ_TOOLS_PQRUN_CONFIGSOURCE_H

#include "BundleFile.h"
#include "Options.h"

#include "pqrt/Config.h"

#include <memory>
#include <string>

namespace pqrun {

class StepConfigSource {
public:
  virtual ~StepConfigSource() = default;
  /// Fills every static field of `config` and the default batch (1, or a
  /// bundle's static batch); capacities are left to the inputs. Validated with pqrt::validateConfig by the caller.
  virtual pqrt::Status load(pqrt::StepConfig &config) const = 0;
  /// For the summary: "preset llama3_8b", "flags", "bundle x.pqmod".
  virtual std::string describe() const = 0;
  /// sk to use when neither --seq-len nor the inputs give one.
  virtual int64_t defaultSeqLen() const = 0;
};

/// A preset (or StepConfig's defaults) with the flags' overrides applied.
std::unique_ptr<StepConfigSource> makeFlagConfigSource(const RunOptions &o);

/// The step configuration of a loaded bundle; step flags must agree with it
/// and --preset is refused. Default sk: min(4096, the module's max sk).
std::unique_ptr<StepConfigSource>
makeBundleConfigSource(const RunOptions &o,
                       std::shared_ptr<const BundleFile> bundle);

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_CONFIGSOURCE_H
