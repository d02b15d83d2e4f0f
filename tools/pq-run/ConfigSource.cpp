//===- ConfigSource.cpp - Where the step configuration comes from ---------===//

#include "ConfigSource.h"

#include "Presets.h"

#include <algorithm>

namespace pqrun {

namespace {

using pqrt::Status;

// How a message shows a step setting's value.
std::string num(int64_t v) { return std::to_string(v); }
std::string metric(pqrt::Metric m) { return pqrt::metricName(m); }
std::string layout(pqrt::CodeLayout l) { return pqrt::layoutName(l); }
std::string type(pqrt::ElementType t) { return pqrt::elementTypeName(t); }

class FlagConfigSource final : public StepConfigSource {
public:
  explicit FlagConfigSource(const RunOptions &options)
      : preset(options.preset.empty() ? nullptr : findPreset(options.preset)),
        overrides(options.step) {}

  Status load(pqrt::StepConfig &config) const override {
    pqrt::StepConfig c = preset ? preset->config : pqrt::StepConfig();
    const StepOverrides &o = overrides;
    c.heads = o.heads.value_or(c.heads);
    c.kvHeads = o.kvHeads.value_or(c.kvHeads);
    c.headDim = o.headDim.value_or(c.headDim);
    c.subspaces = o.subspaces.value_or(c.subspaces);
    c.bits = o.bits.value_or(c.bits);
    c.sink = o.sink.value_or(c.sink);
    c.window = o.window.value_or(c.window);
    c.heavy = o.heavy.value_or(c.heavy);
    c.initOffset = o.initOffset.value_or(c.initOffset);
    c.metric = o.metric.value_or(c.metric);
    c.layout = o.layout.value_or(c.layout);
    c.queryType = o.queryType.value_or(c.queryType);
    c.centroidType = o.centroidType.value_or(c.centroidType);
    c.weightType = o.weightType.value_or(c.weightType);
    c.indexType = o.indexType.value_or(c.indexType);
    c.batch = 1;
    c.codeCapacity = c.keyCapacity = 0;
    config = c;
    return Status::success();
  }

  /// "preset llama3_8b + --kv-heads 5": the flags given, so a message
  /// about the configuration names what the user supplied.
  std::string describe() const override {
    const StepOverrides &o = overrides;
    std::string flags;
    auto add = [&](const char *flag, const auto &value, auto show) {
      if (value) {
        flags += std::string(" + --") + flag + " " + show(*value);
      }
    };
    add("heads", o.heads, num);
    add("kv-heads", o.kvHeads, num);
    add("head-dim", o.headDim, num);
    add("subspaces", o.subspaces, num);
    add("bits", o.bits, num);
    add("sink", o.sink, num);
    add("window", o.window, num);
    add("heavy", o.heavy, num);
    add("init-offset", o.initOffset, num);
    add("metric", o.metric, metric);
    add("layout", o.layout, layout);
    add("query-type", o.queryType, type);
    add("centroid-type", o.centroidType, type);
    add("weight-type", o.weightType, type);
    add("index-type", o.indexType, type);
    return (preset ? std::string("preset ") + preset->name
                   : std::string("defaults")) +
           flags;
  }

  int64_t defaultSeqLen() const override {
    return preset ? preset->seqLen : 4096;
  }

private:
  const Preset *preset;
  StepOverrides overrides;
};

/// The step a compiled bundle fixes. Flags may repeat a value but not
/// change it: the module's kernels are built for exactly this step.
class BundleConfigSource final : public StepConfigSource {
public:
  BundleConfigSource(const RunOptions &options,
                     std::shared_ptr<const BundleFile> bundle)
      : options(options), bundle(std::move(bundle)) {}

  Status load(pqrt::StepConfig &config) const override {
    if (!options.preset.empty()) {
      return Status::invalid("--preset " + options.preset +
                             " cannot be combined with a bundle: the bundle "
                             "fixes the step configuration");
    }
    const pqrt::StepConfig &c = bundle->config;
    const StepOverrides &o = options.step;
    Status status;
    auto agree = [&](const char *flag, const auto &given, const auto &fixed,
                     auto show) {
      if (status.ok() && given && *given != fixed) {
        status = Status::invalid(std::string("--") + flag + " " +
                                 show(*given) + " disagrees with the "
                                 "bundle, which is built for " + show(fixed));
      }
    };
    agree("heads", o.heads, c.heads, num);
    agree("kv-heads", o.kvHeads, c.kvHeads, num);
    agree("head-dim", o.headDim, c.headDim, num);
    agree("subspaces", o.subspaces, c.subspaces, num);
    agree("bits", o.bits, c.bits, num);
    agree("sink", o.sink, c.sink, num);
    agree("window", o.window, c.window, num);
    agree("heavy", o.heavy, c.heavy, num);
    agree("init-offset", o.initOffset, c.initOffset, num);
    agree("metric", o.metric, c.metric, metric);
    agree("layout", o.layout, c.layout, layout);
    agree("query-type", o.queryType, c.queryType, type);
    agree("centroid-type", o.centroidType, c.centroidType, type);
    agree("weight-type", o.weightType, c.weightType, type);
    agree("index-type", o.indexType, c.indexType, type);
    if (status.ok()) {
      config = c;
    }
    return status;
  }

  std::string describe() const override {
    const pqrt_bundle_info &i = bundle->info;
    return "bundle " + bundle->path + " (entry " + i.entry + ", " +
           i.strategy + ", max sk " + std::to_string(i.max_seq_len) +
           (i.static_batch ? ", batch " + std::to_string(i.static_batch)
                           : std::string()) +
           ")";
  }

  // The usual 4096, unless the module was built for less.
  int64_t defaultSeqLen() const override {
    return std::min<int64_t>(4096, bundle->info.max_seq_len);
  }

private:
  const RunOptions &options;
  std::shared_ptr<const BundleFile> bundle;
};

} // namespace

std::unique_ptr<StepConfigSource> makeFlagConfigSource(const RunOptions &o) {
  return std::make_unique<FlagConfigSource>(o);
}

std::unique_ptr<StepConfigSource>
makeBundleConfigSource(const RunOptions &o,
                       std::shared_ptr<const BundleFile> bundle) {
  return std::make_unique<BundleConfigSource>(o, std::move(bundle));
}

} // namespace pqrun
