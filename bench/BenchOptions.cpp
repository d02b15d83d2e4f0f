//===- BenchOptions.cpp - pq-bench's command line -------------------------===//

#include "BenchOptions.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

namespace pqbench {

namespace {

// --sweep's counts: many calls, one number each.
constexpr int64_t kSweepIters = 50, kSweepReps = 3, kSweepWallIters = 20;

std::string list(const std::vector<int64_t> &values) {
  std::string out;
  for (int64_t v : values) {
    out += (out.empty() ? "" : ",") + std::to_string(v);
  }
  return out;
}

bool parseNumber(const std::string &text, double &value) {
  const char *begin = text.c_str();
  char *end = nullptr;
  value = std::strtod(begin, &end);
  return end && *end == '\0' && end != begin && value >= 0;
}

bool parseCount(const std::string &text, int64_t low, int64_t &out) {
  double number = 0;
  if (!parseNumber(text, number) || number < double(low) ||
      number != double(int64_t(number))) {
    return false;
  }
  out = int64_t(number);
  return true;
}

/// "0,1,64" -> {0, 1, 64}, sorted, without repeats.
bool parseNewKeys(const std::string &text, std::vector<int64_t> &out) {
  std::set<int64_t> keys;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    int64_t k = 0;
    if (!parseCount(item, 0, k)) {
      return false;
    }
    keys.insert(k);
  }
  out.assign(keys.begin(), keys.end());
  return !out.empty();
}

} // namespace

std::string usage() {
  const BenchSettings d;
  auto n = [](int64_t v) { return std::to_string(v); };
  return "usage: pq-bench INDEX.json [--json FILE] [--only NAME[,NAME...]]\n"
         "                [--new-keys K[,K...]] [--iters N] [--reps N]\n"
         "                [--new-key-reps N] [--wall-iters N] [--no-graph]\n"
         "                [--no-minimal] [--sweep] [--seed N] "
         "[--bandwidth TBPS]\n"
         "                [--device N]\n"
         "  INDEX.json    from scripts/make-bench-bundles.py (bundles beside "
         "it):\n"
         "                index.json (the anchor's shapes) or sweep.json\n"
         "  --new-keys K,...  one column per count of keys the step quantizes\n"
         "                (" +
         list(d.newKeys) +
         "); 0 is the step itself\n"
         "  --iters N     launches between two events per repetition (" +
         n(d.iters) +
         ")\n"
         "  --reps N      event-timed repetitions; the median is reported (" +
         n(d.reps) +
         ")\n"
         "  --new-key-reps N  the same for the columns with new keys (" +
         n(d.newKeyReps) +
         ")\n"
         "  --wall-iters N  launch + sync timings; the median is reported (" +
         n(d.wallIters) +
         ")\n"
         "  --no-graph    no CUDA-graph timings\n"
         "  --no-minimal  no minimal launch (the step at sk = " +
         n(kMinimalSeqLen) +
         ") and launch ratio\n"
         "  --sweep       a scaling run (sweep.json): --new-keys 0 --no-graph\n"
         "                --no-minimal, and --iters " +
         n(kSweepIters) + " --reps " + n(kSweepReps) + " --wall-iters " +
         n(kSweepWallIters) +
         "\n                unless given\n"
         "  --bandwidth TBPS  copy bandwidth for the floor (default: measured\n"
         "                with a 1 GiB device-to-device copy)\n";
}

bool parseOptions(int argc, const char *const *argv, Options &o,
                  std::string &error) {
  std::set<std::string> given;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (arg == "--help" || arg == "-h") {
      error = "";
      return false;
    }
    if (arg.rfind("--", 0) != 0) {
      if (!o.index.empty()) {
        error = "more than one index given";
        return false;
      }
      o.index = arg;
      continue;
    }
    if (arg == "--no-graph" || arg == "--no-minimal" || arg == "--sweep") {
      o.settings.graph = o.settings.graph && arg != "--no-graph";
      o.settings.minimal = o.settings.minimal && arg != "--no-minimal";
      o.sweep = o.sweep || arg == "--sweep";
      continue;
    }
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      error = arg + " expects a value";
      return false;
    }
    given.insert(arg);
    double number = 0;
    const bool isNumber = parseNumber(value, number);
    auto count = [&](int64_t &field) {
      if (!parseCount(value, 1, field)) {
        error = arg + ": '" + value + "' is not a positive integer";
        return false;
      }
      return true;
    };
    if (arg == "--json") {
      o.json = value;
    } else if (arg == "--only") {
      o.only = value;
    } else if (arg == "--iters") {
      if (!count(o.settings.iters)) {
        return false;
      }
    } else if (arg == "--reps") {
      if (!count(o.settings.reps)) {
        return false;
      }
    } else if (arg == "--new-key-reps") {
      if (!count(o.settings.newKeyReps)) {
        return false;
      }
    } else if (arg == "--wall-iters") {
      if (!count(o.settings.wallIters)) {
        return false;
      }
    } else if (arg == "--new-keys") {
      if (!parseNewKeys(value, o.settings.newKeys)) {
        error = "--new-keys: '" + value +
                "' is not a comma-separated list of counts (e.g. 0,1,64)";
        return false;
      }
    } else if (arg == "--seed") {
      if (!isNumber) {
        error = "--seed: '" + value + "' is not a number";
        return false;
      }
      o.settings.seed = uint64_t(number);
    } else if (arg == "--device") {
      if (!isNumber || number != double(int(number))) {
        error = "--device: '" + value + "' is not a device ordinal";
        return false;
      }
      o.device = int(number);
    } else if (arg == "--bandwidth") {
      if (!isNumber || number <= 0) {
        error = "--bandwidth: '" + value + "' is not a positive TB/s";
        return false;
      }
      o.settings.bandwidthTbps = number;
    } else {
      error = "unknown option '" + arg + "'";
      return false;
    }
  }
  if (o.index.empty()) {
    error = "no INDEX.json given";
    return false;
  }
  if (o.sweep) {
    BenchSettings &s = o.settings;
    s.graph = s.minimal = false;
    if (!given.count("--new-keys")) {
      s.newKeys = {0};
    }
    if (!given.count("--iters")) {
      s.iters = kSweepIters;
    }
    if (!given.count("--reps")) {
      s.reps = kSweepReps;
    }
    if (!given.count("--wall-iters")) {
      s.wallIters = kSweepWallIters;
    }
  }
  return true;
}

} // namespace pqbench
