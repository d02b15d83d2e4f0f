//===- Inputs.h - Step buffers from random data or .npy files ---*- C++ -*-===//

#ifndef PQ_TOOLS_PQRUN_INPUTS_H
#define PQ_TOOLS_PQRUN_INPUTS_H

#include "Options.h"

#include "pqhost/StepBuffers.h"

#include <memory>
#include <string>

namespace pqrun {

struct PreparedStep {
  std::unique_ptr<pqrt::StepBuffers> buffers;
  std::string origin; // for the summary: "random (seed 0)", "inputs DIR"
};

/// A compiled module's limits on a call; 0: none (flags mode).
struct ModuleLimits {
  int64_t maxSeqLen = 0;
  int64_t staticBatch = 0;
};

/// Builds the buffers of one call: batch, sk and n_cached from the options,
/// else from the .npy inputs, else the defaults (config.batch,
/// `defaultSeqLen`, all but one new key cached). Errors name where a value
/// came from (a flag or a file). `limits` are checked as soon as b and sk
/// are known. `copies` is how many copies of the buffers the run will hold
/// (2 with --check): sizes beyond the memory limit are refused before
/// anything is allocated, and the key cache is allocated only when the step
/// quantizes keys (it is the largest buffer and otherwise never read).
pqrt::Status prepareStep(const RunOptions &options,
                         const pqrt::StepConfig &config, int64_t defaultSeqLen,
                         int64_t copies, const ModuleLimits &limits,
                         PreparedStep &step);

/// Creates `dir` (and its parents) unless it exists.
pqrt::Status makeDirectory(const std::string &dir);

/// Writes query.npy, key.npy (when the buffers have a key cache),
/// centroids.npy, phi.npy (ip) and codes.npy (the filled rows) to `dir`,
/// creating it: a directory --inputs can read.
pqrt::Status saveInputs(const std::string &dir,
                        const pqrt::StepBuffers &buffers);

/// Writes sparse_list.npy, sparse_len.npy, weight_list.npy and codes.npy (the
/// codebook's filled rows after the step) to `dir`, creating it.
pqrt::Status writeOutputs(const std::string &dir,
                          const pqrt::StepBuffers &buffers);

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_INPUTS_H
