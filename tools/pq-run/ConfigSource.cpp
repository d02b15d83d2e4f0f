//===- ConfigSource.cpp - Where the step configuration comes from ---------===//

#include "ConfigSource.h"

#include "Presets.h"

namespace pqrun {

namespace {

class FlagConfigSource final : public StepConfigSource {
public:
  explicit FlagConfigSource(const RunOptions &options)
      : preset(options.preset.empty() ? nullptr : findPreset(options.preset)),
        overrides(options.step) {}

  pqrt::Status load(pqrt::StepConfig &config) const override {
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
    return pqrt::Status::success();
  }

  std::string describe() const override {
    bool overridden = overrides.heads || overrides.kvHeads ||
                      overrides.headDim || overrides.subspaces ||
                      overrides.bits || overrides.sink || overrides.window ||
                      overrides.heavy || overrides.initOffset ||
                      overrides.metric || overrides.layout ||
                      overrides.queryType || overrides.centroidType ||
                      overrides.weightType || overrides.indexType;
    std::string base = preset ? std::string("preset ") + preset->name
                              : std::string("defaults");
    return base + (overridden ? " + flags" : "");
  }

  int64_t defaultSeqLen() const override {
    return preset ? preset->seqLen : 4096;
  }

private:
  const Preset *preset;
  StepOverrides overrides;
};

} // namespace

std::unique_ptr<StepConfigSource> makeFlagConfigSource(const RunOptions &o) {
  return std::make_unique<FlagConfigSource>(o);
}

} // namespace pqrun
