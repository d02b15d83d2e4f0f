//===- Presets.cpp - Model shapes of examples/ ----------------------------===//
//
// Keep in step with examples/*.mlir (#pq.step and the memref types).
//
//===----------------------------------------------------------------------===//

#include "Presets.h"

namespace pqrun {

namespace {

using pqrt::CodeLayout;
using pqrt::ElementType;
using pqrt::Metric;
using pqrt::StepConfig;

StepConfig shape(int64_t heads, int64_t kvHeads, int64_t subspaces,
                 int64_t bits, int64_t heavy, Metric metric, CodeLayout layout,
                 ElementType queryType, ElementType weightType,
                 ElementType indexType) {
  StepConfig c;
  c.batch = 1;
  c.heads = heads;
  c.kvHeads = kvHeads;
  c.headDim = 128;
  c.subspaces = subspaces;
  c.bits = bits;
  c.sink = c.window = c.initOffset = 128;
  c.heavy = heavy;
  c.metric = metric;
  c.layout = layout;
  c.queryType = queryType;
  c.centroidType = ElementType::F32;
  c.weightType = weightType;
  c.indexType = indexType;
  c.codeCapacity = c.keyCapacity = 0;
  return c;
}

const Preset kPresets[] = {
    {"llama3_8b", "Llama-3-8B: h 32, h_kv 8, d 128, S 2, 6 bits, heavy 1024",
     shape(32, 8, 2, 6, 1024, Metric::Euclidean, CodeLayout::Compact,
           ElementType::BF16, ElementType::BF16, ElementType::I64),
     4096},
    {"mha32_seed",
     "32-head MHA as in the seed measurements: d 128, S 2, 6 bits, heavy "
     "256, seed layout",
     shape(32, 32, 2, 6, 256, Metric::Euclidean, CodeLayout::Seed,
           ElementType::BF16, ElementType::BF16, ElementType::I64),
     4096},
    {"qwen2_5_7b",
     "Qwen2.5-7B: h 28, h_kv 4, d 128, S 4, 8 bits, heavy 2048, ip, f16, "
     "i32 indices",
     shape(28, 4, 4, 8, 2048, Metric::InnerProduct, CodeLayout::Compact,
           ElementType::F16, ElementType::F16, ElementType::I32),
     8192},
    {"llama3_8b_long",
     "Llama-3-8B long context: S 4, 8 bits, heavy 4096, f32 weights",
     shape(32, 8, 4, 8, 4096, Metric::Euclidean, CodeLayout::Compact,
           ElementType::BF16, ElementType::F32, ElementType::I64),
     16384},
};

} // namespace

const Preset *findPreset(const std::string &name) {
  for (const Preset &preset : kPresets) {
    if (name == preset.name) {
      return &preset;
    }
  }
  return nullptr;
}

std::string presetNames() {
  std::string names;
  for (const Preset &preset : kPresets) {
    names += std::string(names.empty() ? "" : ", ") + preset.name;
  }
  return names;
}

std::string presetTable() {
  std::string table;
  for (const Preset &preset : kPresets) {
    std::string name = preset.name;
    name.resize(16, ' ');
    table += "  " + name + preset.description + " (sk " +
             std::to_string(preset.seqLen) + ")\n";
  }
  return table;
}

} // namespace pqrun
