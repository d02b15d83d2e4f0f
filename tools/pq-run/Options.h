//===- Options.h - pq-run's command line ------------------------*- C++ -*-===//
//
// Plain argument parsing (the tool links no LLVM): `--name=value` or
// `--name value`, every value checked, every error a message.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_PQRUN_OPTIONS_H
#define PQ_TOOLS_PQRUN_OPTIONS_H

#include "pqrt/Config.h"

#include <optional>
#include <string>
#include <vector>

namespace pqrun {

enum class Device { Cpu, Gpu, Auto };

/// Overrides of the static step configuration; unset fields keep the
/// preset's (or StepConfig's default) value.
struct StepOverrides {
  std::optional<int64_t> heads, kvHeads, headDim, subspaces, bits, sink,
      window, heavy, initOffset;
  std::optional<pqrt::Metric> metric;
  std::optional<pqrt::CodeLayout> layout;
  std::optional<pqrt::ElementType> queryType, centroidType, weightType,
      indexType;
};

struct RunOptions {
  std::string preset;      // --preset NAME
  StepOverrides step;      // --heads ... --index-type
  std::string bundle;      // positional BUNDLE.pqmod
  // Per-call values; from the inputs when not given.
  std::optional<int64_t> batch, seqLen, numCached;
  uint64_t seed = 0;
  bool ties = false;
  bool build = false;                 // --build: k-means index first
  std::optional<int64_t> kmeansIter;  // --kmeans-iter (default 10)
  std::string inputsDir, outputsDir, saveInputsDir;
  Device device = Device::Auto;
  bool check = false;
  int64_t benchRuns = 0;
  int64_t headsShown = 1; // --show-heads: rows summarised
  bool help = false;
  bool listPresets = false;
};

/// Parses argv[1..]; on error returns false with `error` set.
bool parseArguments(int argc, char **argv, RunOptions &options,
                    std::string &error);

/// The --help text.
std::string usage();

const char *deviceName(Device device);

} // namespace pqrun

#endif // PQ_TOOLS_PQRUN_OPTIONS_H
