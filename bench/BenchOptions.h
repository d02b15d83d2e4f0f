//===- BenchOptions.h - pq-bench's command line -----------------*- C++ -*-===//

#ifndef PQ_BENCH_BENCHOPTIONS_H
#define PQ_BENCH_BENCHOPTIONS_H

#include "StepBench.h"

#include <string>

namespace pqbench {

struct Options {
  std::string index, json, only;
  BenchSettings settings;
  int device = 0;
  bool sweep = false;
};

/// The help text, with the defaults of BenchSettings.
std::string usage();

/// Parses argv into `options`. Returns false with a message in `error` on a
/// bad command line, and with an empty `error` for --help.
bool parseOptions(int argc, const char *const *argv, Options &options,
                  std::string &error);

} // namespace pqbench

#endif // PQ_BENCH_BENCHOPTIONS_H
