//===- BundleManifestTest.cpp - Every manifest rule -----------------------===//
//
// Each case changes one thing in the sample manifest and expects BadModule
// with a message naming the field. The table is the list of rules.
//
//===----------------------------------------------------------------------===//

#include "BundleWriter.h"
#include "bundle/Bundle.h"

#include <gtest/gtest.h>

#include <functional>

namespace pqrt {
namespace test {
namespace {

Status parseManifest(const Json &manifest, bundle::Bundle &out) {
  std::vector<uint8_t> bytes = writeBundle(manifest, sampleImages());
  return bundle::parseBundle(bytes.data(), bytes.size(), out);
}

struct Case {
  const char *name;
  std::function<void(Json &)> change;
  const char *message; // a substring of the expected error
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

class ManifestRule : public ::testing::TestWithParam<Case> {};

TEST_P(ManifestRule, IsEnforced) {
  Json manifest = sampleManifest();
  GetParam().change(manifest);
  bundle::Bundle out;
  Status status = parseManifest(manifest, out);
  EXPECT_EQ(status.code, StatusCode::BadModule) << status.message;
  EXPECT_NE(status.message.find(GetParam().message), std::string::npos)
      << status.message;
  EXPECT_EQ(status.message.rfind("bundle: ", 0), 0u) << status.message;
}

Json &param(Json &m, const char *name) {
  for (Json &p : m["params"]) {
    if (p["name"] == name) {
      return p;
    }
  }
  throw std::runtime_error("no param");
}

void eraseParam(Json &m, const char *name) {
  Json &params = m["params"];
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]["name"] == name) {
      params.erase(i);
      return;
    }
  }
}

const Case kCases[] = {
    // Header.
    {"FormatWrong", [](Json &m) { m["format"] = "onnx"; },
     "field 'format' must be \"pqmod\""},
    {"VersionTwo", [](Json &m) { m["version"] = 2; },
     "manifest version 2 is not supported; this runtime reads version 1"},
    {"VersionNegative", [](Json &m) { m["version"] = -1; },
     "manifest version -1 is not supported"},
    {"VersionString", [](Json &m) { m["version"] = "1"; },
     "field 'version' must be an integer"},
    {"VersionMissing", [](Json &m) { m.erase("version"); },
     "field 'version' is missing"},
    {"EntryEmpty", [](Json &m) { m["entry"] = ""; },
     "field 'entry' must not be empty"},
    {"EntryNumber", [](Json &m) { m["entry"] = 7; },
     "field 'entry' must be a string"},
    {"ProducerMissing", [](Json &m) { m.erase("producer"); },
     "field 'producer' is missing"},
    {"UnknownTopLevel", [](Json &m) { m["target"] = "sm_90"; },
     "unknown manifest field 'target'"},
    {"StrategyUnknown", [](Json &m) { m["strategy"] = "tiles"; },
     "field 'strategy' must be one of 'row', 'split'"},
    {"WorkspaceNegative", [](Json &m) { m["workspace_bytes_per_batch"] = -4; },
     "field 'workspace_bytes_per_batch' must be a non-negative integer"},
    {"WorkspaceOdd", [](Json &m) { m["workspace_bytes_per_batch"] = 6; },
     "must be a multiple of 4"},
    // Step.
    {"StepNotObject", [](Json &m) { m["step"] = Json::array(); },
     "field 'step' must be an object"},
    {"HeadsZero", [](Json &m) { m["step"]["heads"] = 0; },
     "field 'step.heads' must be a positive integer"},
    {"HeadsString", [](Json &m) { m["step"]["heads"] = "8"; },
     "field 'step.heads' must be a positive integer"},
    {"HeadsFloat", [](Json &m) { m["step"]["heads"] = 8.0; },
     "field 'step.heads' must be a positive integer"},
    {"HeadsHuge", [](Json &m) { m["step"]["heads"] = 18446744073709551615ull; },
     "field 'step.heads' must be a positive integer"},
    {"HeadsMissing", [](Json &m) { m["step"].erase("heads"); },
     "field 'step.heads' is missing"},
    {"BatchNegative", [](Json &m) { m["step"]["batch"] = -1; },
     "field 'step.batch' must be a non-negative integer"},
    {"SinkNull", [](Json &m) { m["step"]["sink"] = nullptr; },
     "field 'step.sink' must be a non-negative integer"},
    {"MaxSeqLenZero", [](Json &m) { m["step"]["max_seq_len"] = 0; },
     "field 'step.max_seq_len' must be a positive integer"},
    {"BitsTooMany", [](Json &m) { m["step"]["bits"] = 17; },
     "field 'step.bits' must be a positive integer in [1, 16]"},
    {"MetricUnknown", [](Json &m) { m["step"]["metric"] = "cosine"; },
     "field 'step.metric' must be one of 'euclidean', 'ip'"},
    {"LayoutUnknown", [](Json &m) { m["step"]["layout"] = "dense"; },
     "field 'step.layout' must be one of 'seed', 'compact'"},
    {"QueryTypeInt", [](Json &m) { m["step"]["query_type"] = "i32"; },
     "field 'step.query_type' must be one of 'f32', 'f16', 'bf16'"},
    {"CentroidF16", [](Json &m) { m["step"]["centroid_type"] = "f16"; },
     "field 'step.centroid_type' must be one of 'f32', 'bf16'"},
    {"IndexU8", [](Json &m) { m["step"]["index_type"] = "u8"; },
     "field 'step.index_type' must be one of 'i32', 'i64'"},
    {"QuantizeString", [](Json &m) { m["step"]["quantize"] = "yes"; },
     "field 'step.quantize' must be true or false"},
    {"UnknownStepField", [](Json &m) { m["step"]["heads_kv"] = 2; },
     "unknown manifest field 'step.heads_kv'"},
    {"GqaNotDivisible", [](Json &m) { m["step"]["kv_heads"] = 3; },
     "manifest 'step' breaks SEMANTICS.md: kv_heads"},
    {"HeadDimNotDivisible", [](Json &m) { m["step"]["subspaces"] = 3; },
     "manifest 'step' breaks SEMANTICS.md"},
    {"CompactNineBits", [](Json &m) { m["step"]["bits"] = 9; },
     "compact uint8 layout"},
    // Params.
    {"ParamsNotArray", [](Json &m) { m["params"] = "query"; },
     "field 'params' must be an array"},
    {"ParamNotObject", [](Json &m) { m["params"][0] = "query"; },
     "field 'params[0]' must be an object"},
    {"ParamUnknownName", [](Json &m) { m["params"][0]["name"] = "queries"; },
     "field 'params[0].name' names no kernel parameter"},
    {"ParamWrongKind", [](Json &m) { param(m, "seq_len")["kind"] = "memref"; },
     "must be 'i64' for parameter 'seq_len'"},
    {"ParamUnknownKind", [](Json &m) { m["params"][0]["kind"] = "tensor"; },
     "field 'params[0].kind' must be one of 'memref', 'i64'"},
    {"ParamExtraField", [](Json &m) { m["params"][0]["type"] = "bf16"; },
     "unknown manifest field 'params[0].type'"},
    {"ParamDuplicate", [](Json &m) { m["params"].push_back(m["params"][0]); },
     "repeats parameter 'query'"},
    {"QuantizeWithoutKey", [](Json &m) { eraseParam(m, "key"); },
     "lacks parameter 'key': step.quantize is true"},
    {"KeyWithoutQuantize", [](Json &m) { m["step"]["quantize"] = false; },
     "must not have parameter 'key': step.quantize is false"},
    {"IpWithoutPhi", [](Json &m) { m["step"]["metric"] = "ip"; },
     "lacks parameter 'phi'"},
    {"PhiForEuclidean",
     [](Json &m) {
       m["params"].push_back({{"name", "phi"}, {"kind", "memref"}});
     },
     "must not have parameter 'phi'"},
    {"WorkspaceWithoutParam",
     [](Json &m) { m["workspace_bytes_per_batch"] = 1024; },
     "lacks parameter 'workspace'"},
    {"WorkspaceParamWithoutBytes",
     [](Json &m) {
       m["params"].push_back({{"name", "workspace"}, {"kind", "memref"}});
     },
     "must not have parameter 'workspace'"},
    // Kernels.
    {"KernelsEmpty", [](Json &m) { m["kernels"] = Json::array(); },
     "field 'kernels' must hold 1 to 64 entries, not 0"},
    {"KernelNameBad", [](Json &m) { m["kernels"][0]["name"] = "pq row"; },
     "field 'kernels[0].name' must be a PTX identifier"},
    {"KernelNameNul",
     [](Json &m) { m["kernels"][0]["name"] = std::string("pq\0x", 4); },
     "must be a PTX identifier"},
    {"KernelNameDigit", [](Json &m) { m["kernels"][0]["name"] = "9row"; },
     "must be a PTX identifier"},
    {"GridTwoEntries",
     [](Json &m) {
       m["kernels"][0]["grid"] = {1, 2};
     },
     "field 'kernels[0].grid' must have 3 entries"},
    {"GridZero", [](Json &m) { m["kernels"][0]["grid"][0] = 0; },
     "field 'kernels[0].grid[0]' must be a positive integer or \"batch\""},
    {"GridBadWord", [](Json &m) { m["kernels"][0]["grid"][0] = "Batch"; },
     "field 'kernels[0].grid[0]' must be a positive integer or \"batch\""},
    {"GridYTooLarge", [](Json &m) { m["kernels"][0]["grid"][1] = 65536; },
     "field 'kernels[0].grid[1]'"},
    {"BlockBatch", [](Json &m) { m["kernels"][0]["block"][0] = "batch"; },
     "field 'kernels[0].block[0]' must be a positive integer"},
    {"BlockTooLarge",
     [](Json &m) {
       m["kernels"][0]["block"] = {64, 32, 1};
     },
     "has 2048 threads; at most 1024 allowed"},
    {"SmemNegative", [](Json &m) { m["kernels"][0]["smem"] = -1; },
     "field 'kernels[0].smem' must be a non-negative integer"},
    {"SmemMissing", [](Json &m) { m["kernels"][0].erase("smem"); },
     "field 'kernels[0].smem' is missing"},
    {"ClusterMissing", [](Json &m) { m["kernels"][0].erase("cluster"); },
     "field 'kernels[0].cluster' is missing"},
    {"ClusterTooLarge",
     [](Json &m) {
       m["kernels"][0]["cluster"] = {4, 4, 2};
     },
     "has 32 blocks; at most 16 allowed"},
    {"ClusterDoesNotDivide",
     [](Json &m) {
       m["kernels"][0]["cluster"] = {4, 1, 1};
     },
     "field 'kernels[0].grid[0]' is not a multiple of the cluster dimension 4"},
    {"KernelExtraField", [](Json &m) { m["kernels"][0]["regs"] = 64; },
     "unknown manifest field 'kernels[0].regs'"},
    {"PhaseTimersNotArray",
     [](Json &m) { m["kernels"][0]["phase_timers"] = "start"; },
     "field 'kernels[0].phase_timers' must be an array"},
    {"PhaseTimersEmpty",
     [](Json &m) { m["kernels"][0]["phase_timers"] = Json::array(); },
     "field 'kernels[0].phase_timers' must hold 1 to 64 phase names, not 0"},
    {"PhaseTimersNotIdentifier",
     [](Json &m) { m["kernels"][0]["phase_timers"] = {"start", "two words"}; },
     "field 'kernels[0].phase_timers[1]' must be an identifier"},
    {"PhaseTimersNotString",
     [](Json &m) { m["kernels"][0]["phase_timers"] = {"start", 3}; },
     "field 'kernels[0].phase_timers[1]' must be an identifier"},
    {"PhaseTimersRepeated",
     [](Json &m) { m["kernels"][0]["phase_timers"] = {"start", "start"}; },
     "field 'kernels[0].phase_timers[1]' repeats phase 'start'"},
    {"PhaseTimersTooMany",
     [](Json &m) {
       Json names = Json::array();
       for (int i = 0; i < 65; ++i) {
         names.push_back("p" + std::to_string(i));
       }
       m["kernels"][0]["phase_timers"] = names;
     },
     "must hold 1 to 64 phase names, not 65"},
};

INSTANTIATE_TEST_SUITE_P(Manifest, ManifestRule, ::testing::ValuesIn(kCases),
                         [](const auto &info) {
                           return std::string(info.param.name);
                         });

// writeBundle fills "images" and "content_hash", so the cases on those
// edit the manifest after they were filled in.
Status parseWithImages(const std::function<void(Json &)> &change) {
  std::vector<TestImage> images = sampleImages();
  std::string section;
  Json entries = Json::array();
  for (const TestImage &image : images) {
    entries.push_back({{"arch", image.arch},
                       {"format", image.format},
                       {"offset", section.size()},
                       {"size", image.bytes.size()}});
    section += image.bytes;
  }
  Json manifest = sampleManifest();
  manifest["images"] = entries;
  manifest["content_hash"] = hashText(section);
  change(manifest);
  std::vector<uint8_t> bytes = rawBundle(manifest.dump(), section);
  bundle::Bundle out;
  return bundle::parseBundle(bytes.data(), bytes.size(), out);
}

TEST(ManifestImages, AreChecked) {
  const struct {
    std::function<void(Json &)> change;
    const char *message;
  } cases[] = {
      {[](Json &m) { m["images"] = Json::array(); },
       "field 'images' must hold 1 to 256 entries, not 0"},
      {[](Json &m) { m["images"][0]["arch"] = "gfx90a"; },
       "field 'images[0].arch' must name a GPU arch"},
      {[](Json &m) { m["images"][0]["arch"] = "sm_9"; },
       "must name a GPU arch"},
      {[](Json &m) { m["images"][0]["arch"] = "sm_90x"; },
       "must name a GPU arch"},
      {[](Json &m) { m["images"][0]["format"] = "fatbin"; },
       "field 'images[0].format' must be one of 'ptx', 'cubin'"},
      {[](Json &m) { m["images"][2]["size"] = 1000; },
       "field 'images[2]' lies outside the image section"},
      {[](Json &m) { m["images"][0]["offset"] = 4611686018427387905ll; },
       "field 'images[0].offset' must be a non-negative integer in"},
      {[](Json &m) { m["images"][1]["offset"] = 9223372036854775807ll; },
       "field 'images[1].offset'"},
      {[](Json &m) { m["images"][0]["size"] = 0; },
       "field 'images[0].size' must be a positive integer"},
      {[](Json &m) { m["images"][1]["arch"] = "sm_80"; },
       "field 'images[1]' repeats arch sm_80 ptx"},
      {[](Json &m) { m["images"][0]["sha"] = "x"; },
       "unknown manifest field 'images[0].sha'"},
      {[](Json &m) { m.erase("content_hash"); },
       "field 'content_hash' is missing"},
      {[](Json &m) { m["content_hash"] = 12; },
       "field 'content_hash' must be a string"},
  };
  for (const auto &c : cases) {
    Status status = parseWithImages(c.change);
    EXPECT_EQ(status.code, StatusCode::BadModule) << status.message;
    EXPECT_NE(status.message.find(c.message), std::string::npos)
        << status.message;
  }
  EXPECT_TRUE(parseWithImages([](Json &) {}).ok());
}

TEST(ManifestAccepts, EveryVariantOfTheFormat) {
  const std::function<void(Json &)> variants[] = {
      [](Json &m) { m["step"]["batch"] = 4; },
      [](Json &m) { m["strategy"] = "split"; },
      [](Json &m) {
        m["step"]["metric"] = "ip";
        m["params"].push_back({{"name", "phi"}, {"kind", "memref"}});
      },
      [](Json &m) {
        m["step"]["quantize"] = false;
        eraseParam(m, "key");
      },
      [](Json &m) {
        m["workspace_bytes_per_batch"] = 4096;
        m["params"].push_back({{"name", "workspace"}, {"kind", "memref"}});
      },
      [](Json &m) {
        m["kernels"][0]["cluster"] = {2, 1, 1};
        m["kernels"].push_back(m["kernels"][0]);
        m["kernels"][1]["name"] = "pq_merge$1";
        m["kernels"][1]["grid"] = {"batch", 1, 1};
        m["kernels"][1]["cluster"] = {1, 1, 1};
      },
      [](Json &m) {
        m["step"]["layout"] = "seed";
        m["step"]["bits"] = 12;
        m["step"]["index_type"] = "i32";
        m["step"]["weight_type"] = "f32";
        m["step"]["query_type"] = "f16";
        m["step"]["centroid_type"] = "bf16";
      },
      [](Json &m) {
        m["params"] = Json::array({{{"name", "key"}, {"kind", "memref"}}});
      },
      [](Json &m) {
        m["workspace_bytes_per_batch"] = 4096;
        m["params"].push_back({{"name", "workspace"}, {"kind", "memref"}});
        m["kernels"][0]["phase_timers"] = {"start", "scored", "end"};
      },
  };
  for (const auto &change : variants) {
    Json manifest = sampleManifest();
    change(manifest);
    bundle::Bundle out;
    Status status = parseManifest(manifest, out);
    EXPECT_TRUE(status.ok()) << status.message << "\n" << manifest.dump();
  }
}

TEST(ManifestPhaseTimers, AreKeptInOrder) {
  Json manifest = sampleManifest();
  manifest["kernels"][0]["phase_timers"] = {"start", "scored", "end"};
  bundle::Bundle out;
  ASSERT_TRUE(parseManifest(manifest, out).ok());
  EXPECT_EQ(out.kernels[0].phaseTimers,
            (std::vector<std::string>{"start", "scored", "end"}));
  bundle::Bundle plain;
  ASSERT_TRUE(parseManifest(sampleManifest(), plain).ok());
  EXPECT_TRUE(plain.kernels[0].phaseTimers.empty());
}

} // namespace
} // namespace test
} // namespace pqrt
