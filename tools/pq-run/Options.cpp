//===- Options.cpp - pq-run's command line --------------------------------===//

#include "Options.h"

#include "Presets.h"

#include "pqrt/pqrt_limits.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>

namespace pqrun {

namespace {

using pqrt::CodeLayout;
using pqrt::ElementType;
using pqrt::Metric;

/// Parses a decimal integer in [low, high]; the whole string must be digits.
bool parseInt(const std::string &text, int64_t low, int64_t high,
              int64_t &value, std::string &error) {
  const char *begin = text.c_str();
  bool digits = !text.empty();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!(c >= '0' && c <= '9') && !(i == 0 && c == '-' && text.size() > 1)) {
      digits = false;
    }
  }
  if (!digits) {
    error = "'" + text + "' is not an integer";
    return false;
  }
  errno = 0;
  char *end = nullptr;
  long long parsed = std::strtoll(begin, &end, 10);
  if (errno == ERANGE || parsed < low || parsed > high) {
    error = "'" + text + "' is out of range [" + std::to_string(low) + ", " +
            std::to_string(high) + "]";
    return false;
  }
  value = parsed;
  return true;
}

template <typename T> struct Choice {
  const char *name;
  T value;
};

template <typename T, size_t N>
bool parseChoice(const std::string &text, const Choice<T> (&choices)[N],
                 T &value, std::string &error) {
  std::string names;
  for (const Choice<T> &choice : choices) {
    if (text == choice.name) {
      value = choice.value;
      return true;
    }
    names += std::string(names.empty() ? "" : ", ") + choice.name;
  }
  error = "'" + text + "' is not one of " + names;
  return false;
}

const Choice<ElementType> kFloatTypes[] = {
    {"f32", ElementType::F32}, {"f16", ElementType::F16},
    {"bf16", ElementType::BF16}};
const Choice<ElementType> kCentroidTypes[] = {{"f32", ElementType::F32},
                                              {"bf16", ElementType::BF16}};
const Choice<ElementType> kIndexTypes[] = {{"i64", ElementType::I64},
                                           {"i32", ElementType::I32}};
const Choice<Metric> kMetrics[] = {{"euclidean", Metric::Euclidean},
                                   {"ip", Metric::InnerProduct}};
const Choice<CodeLayout> kLayouts[] = {{"seed", CodeLayout::Seed},
                                       {"compact", CodeLayout::Compact}};
const Choice<Device> kDevices[] = {
    {"cpu", Device::Cpu}, {"gpu", Device::Gpu}, {"auto", Device::Auto}};

// libpqrt's limits (pqrt_limits.h); the buffer-size check refuses whatever
// still does not fit in memory.
constexpr int64_t kMaxCount = PQRT_MAX_TOKENS;
constexpr int64_t kMaxHeads = PQRT_MAX_HEADS;

/// One flag: its name, whether it takes a value, and what to do with it.
struct Flag {
  const char *name;
  bool takesValue;
  std::function<bool(RunOptions &, const std::string &, std::string &)> apply;
};

Flag intFlag(const char *name, int64_t low, int64_t high,
             std::optional<int64_t> RunOptions::*field) {
  return {name, true,
          [=](RunOptions &o, const std::string &v, std::string &e) {
            int64_t value;
            if (!parseInt(v, low, high, value, e)) {
              return false;
            }
            o.*field = value;
            return true;
          }};
}

Flag stepIntFlag(const char *name, int64_t low, int64_t high,
                 std::optional<int64_t> StepOverrides::*field) {
  return {name, true,
          [=](RunOptions &o, const std::string &v, std::string &e) {
            int64_t value;
            if (!parseInt(v, low, high, value, e)) {
              return false;
            }
            o.step.*field = value;
            return true;
          }};
}

template <typename T, size_t N>
Flag stepChoiceFlag(const char *name, const Choice<T> (&choices)[N],
                    std::optional<T> StepOverrides::*field) {
  return {name, true,
          [=, &choices](RunOptions &o, const std::string &v, std::string &e) {
            T value;
            if (!parseChoice(v, choices, value, e)) {
              return false;
            }
            o.step.*field = value;
            return true;
          }};
}

Flag pathFlag(const char *name, std::string RunOptions::*field) {
  return {name, true,
          [=](RunOptions &o, const std::string &v, std::string &e) {
            if (v.empty()) {
              e = "expects a directory";
              return false;
            }
            o.*field = v;
            return true;
          }};
}

const std::vector<Flag> &flags() {
  static const std::vector<Flag> table = {
      stepIntFlag("heads", 1, kMaxHeads, &StepOverrides::heads),
      stepIntFlag("kv-heads", 1, kMaxHeads, &StepOverrides::kvHeads),
      stepIntFlag("head-dim", 1, PQRT_MAX_HEAD_DIM, &StepOverrides::headDim),
      stepIntFlag("subspaces", 1, PQRT_MAX_HEAD_DIM, &StepOverrides::subspaces),
      stepIntFlag("bits", 1, PQRT_MAX_BITS, &StepOverrides::bits),
      stepIntFlag("sink", 0, kMaxCount, &StepOverrides::sink),
      stepIntFlag("window", 0, kMaxCount, &StepOverrides::window),
      stepIntFlag("heavy", 0, kMaxCount, &StepOverrides::heavy),
      stepIntFlag("init-offset", 0, kMaxCount, &StepOverrides::initOffset),
      stepChoiceFlag("metric", kMetrics, &StepOverrides::metric),
      stepChoiceFlag("layout", kLayouts, &StepOverrides::layout),
      stepChoiceFlag("query-type", kFloatTypes, &StepOverrides::queryType),
      stepChoiceFlag("centroid-type", kCentroidTypes,
                     &StepOverrides::centroidType),
      stepChoiceFlag("weight-type", kFloatTypes, &StepOverrides::weightType),
      stepChoiceFlag("index-type", kIndexTypes, &StepOverrides::indexType),
      intFlag("batch", 1, PQRT_MAX_BATCH, &RunOptions::batch),
      intFlag("seq-len", 1, kMaxCount, &RunOptions::seqLen),
      intFlag("num-cached", 0, kMaxCount, &RunOptions::numCached),
      {"seed", true,
       [](RunOptions &o, const std::string &v, std::string &e) {
         int64_t value;
         if (!parseInt(v, 0, std::numeric_limits<int64_t>::max(), value, e)) {
           return false;
         }
         o.seed = uint64_t(value);
         return true;
       }},
      {"ties", false,
       [](RunOptions &o, const std::string &, std::string &) {
         o.ties = true;
         return true;
       }},
      {"build", false,
       [](RunOptions &o, const std::string &, std::string &) {
         o.build = true;
         return true;
       }},
      intFlag("kmeans-iter", 0, PQRT_MAX_KMEANS_ITER, &RunOptions::kmeansIter),
      pathFlag("inputs", &RunOptions::inputsDir),
      pathFlag("outputs", &RunOptions::outputsDir),
      pathFlag("save-inputs", &RunOptions::saveInputsDir),
      {"device", true,
       [](RunOptions &o, const std::string &v, std::string &e) {
         return parseChoice(v, kDevices, o.device, e);
       }},
      {"check", false,
       [](RunOptions &o, const std::string &, std::string &) {
         o.check = true;
         return true;
       }},
      {"bench", true,
       [](RunOptions &o, const std::string &v, std::string &e) {
         return parseInt(v, 1, 1000000, o.benchRuns, e);
       }},
      {"show-heads", true,
       [](RunOptions &o, const std::string &v, std::string &e) {
         return parseInt(v, 1, kMaxHeads, o.headsShown, e);
       }},
      {"preset", true,
       [](RunOptions &o, const std::string &v, std::string &e) {
         if (v == "list") {
           o.listPresets = true;
           return true;
         }
         if (!findPreset(v)) {
           e = "unknown preset '" + v + "'; presets: " + presetNames();
           return false;
         }
         o.preset = v;
         return true;
       }},
      {"help", false,
       [](RunOptions &o, const std::string &, std::string &) {
         o.help = true;
         return true;
       }},
  };
  return table;
}

} // namespace

const char *deviceName(Device device) {
  switch (device) {
  case Device::Cpu:
    return "cpu";
  case Device::Gpu:
    return "gpu";
  case Device::Auto:
    return "auto";
  }
  return "?";
}

bool parseArguments(int argc, char **argv, RunOptions &options,
                    std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h") {
      arg = "--help";
    }
    if (arg.rfind("--", 0) != 0) {
      if (arg.rfind("-", 0) == 0) {
        error = "unknown option '" + arg + "' (options start with --)";
        return false;
      }
      if (!options.bundle.empty()) {
        error = "more than one bundle given: '" + options.bundle + "' and '" +
                arg + "'";
        return false;
      }
      options.bundle = arg;
      continue;
    }
    std::string name = arg.substr(2), value;
    size_t equals = name.find('=');
    const bool inlineValue = equals != std::string::npos;
    if (inlineValue) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    const Flag *flag = nullptr;
    for (const Flag &candidate : flags()) {
      if (name == candidate.name) {
        flag = &candidate;
      }
    }
    if (!flag) {
      error = "unknown option '--" + name + "' (see --help)";
      return false;
    }
    if (flag->takesValue && !inlineValue) {
      if (i + 1 >= argc) {
        error = "--" + name + " expects a value";
        return false;
      }
      value = argv[++i];
    } else if (!flag->takesValue && inlineValue) {
      error = "--" + name + " takes no value";
      return false;
    }
    std::string problem;
    if (!flag->apply(options, value, problem)) {
      error = "--" + name + ": " + problem;
      return false;
    }
  }
  return true;
}

std::string usage() {
  return R"(usage: pq-run [BUNDLE.pqmod] [options]
Runs one PQCache indexer step (SEMANTICS.md) and prints what it attended to.
With a bundle from pq-compile the step is the module's and runs on the GPU
through libpqrt (or on the CPU reference, see --device); without one, the
step comes from a preset and flags and runs on the CPU reference.

Step configuration (a preset, then any flag overrides it; with a bundle the
bundle's, and flags may only repeat its values):
  --preset NAME        a model shape of examples/ (--preset list shows them)
  --heads N --kv-heads N --head-dim N --subspaces N --bits N
  --sink N --window N --heavy N --init-offset N
  --metric euclidean|ip        --layout seed|compact
  --query-type f32|f16|bf16    --centroid-type f32|bf16
  --weight-type f32|f16|bf16   --index-type i64|i32

The call:
  --batch N            batch (default 1 or the bundle's static batch, or
                       query.npy's)
  --seq-len N          sk (default: the preset's, min(4096, the bundle's max
                       sk), or key.npy's rows)
  --num-cached N       codes already in the codebook (default: all but one
                       new key, or codes.npy's rows)
  --seed N             seed of the random inputs (default 0)
  --ties               random inputs with many exact score ties
  --build              build the index first (docs/BUILD.md: k-means of the
                       keys [init_offset, sk), seeded by --seed; on the GPU
                       when the bundle has a build, else the CPU reference),
                       then run the step from num_cached = n; with --check a
                       GPU build is compared with the reference's
  --kmeans-iter N      the build's Lloyd iterations at most (default 10)
  --inputs DIR         read query.npy, key.npy, centroids.npy, phi.npy (ip),
                       codes.npy from DIR instead of random inputs
  --save-inputs DIR    write the inputs used (codes as before the step)
  --outputs DIR        write sparse_list.npy, sparse_len.npy, weight_list.npy
                       and codes.npy (the codebook after the step)

Execution:
  --device cpu|gpu|auto  cpu: the CPU reference; gpu: the bundle on GPU 0
                       (fails without a bundle or a GPU); auto (default): gpu
                       with a bundle and a GPU, else cpu, saying why
  --check              compare with an independent run of the CPU reference,
                       tie-aware; PASS/FAIL per output (codes bit-exact)
  --bench N            time N more steps: median wall time (on the GPU:
                       launch + stream sync) and GPU time (CUDA events)
  --show-heads N       summarise the first N (b, h) rows (default 1)

bf16 arrays are written as '<i2' raw bits: in Python,
torch.from_numpy(np.load(p)).view(torch.bfloat16). Exit status: 0 ok,
1 the step or the check failed, 2 bad command line.
)";
}

} // namespace pqrun
