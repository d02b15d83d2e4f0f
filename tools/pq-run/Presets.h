//===- Presets.h - Model shapes of examples/ --------------------*- C++ -*-===//
//
// The step configurations of the example programs (examples/*.mlir), so
// `pq-run --preset llama3_8b` runs the same step the compiler builds.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_PQRUN_PRESETS_H
#define PQ_TOOLS_PQRUN_PRESETS_H

#include "pqrt/Config.h"

#include <string>

namespace pqrun {

struct Preset {
  const char *name;
  const char *description;
  pqrt::StepConfig config; // batch 1, capacities 0 (sized from the call)
  int64_t seqLen;          // sk when --seq-len is not given
};

/// The preset called `name`, or null.
const Preset *findPreset(const std::string &name);
/// "llama3_8b, mha32_seed, ..." for messages.
std::string presetNames();
/// One line per preset, for --preset list.
std::string presetTable();

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_PRESETS_H
