//===- BundleBuildManifestTest.cpp - The rules of the "build" object ------===//
//
// docs/BUNDLE.md "build": the sample manifest plus the sample build
// (SampleBundle.h) parses into the typed BuildSpec; each case changes one
// thing and expects BadModule naming the field. The step's list may not
// take the build's parameters, and a bundle without "build" stays valid.
//
//===----------------------------------------------------------------------===//

#include "SampleBundle.h"

#include <gtest/gtest.h>

#include <functional>

namespace pqrt {
namespace test {
namespace {

using bundle::BuildPhase;
using bundle::ParamName;

Status parse(const Json &manifest, bundle::Bundle &out) {
  std::vector<uint8_t> bytes = writeBundle(manifest, sampleBuildImages());
  return bundle::parseBundle(bytes.data(), bytes.size(), out);
}

Json withBuild() {
  Json m = sampleManifest();
  addSampleBuild(m);
  return m;
}

void eraseBuildParam(Json &m, const char *name) {
  Json &params = m["build"]["params"];
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]["name"] == name) {
      params.erase(i);
      return;
    }
  }
  throw std::runtime_error("no build param");
}

TEST(BuildManifest, ParsesIntoTheTypedForm) {
  bundle::Bundle b;
  Status status = parse(withBuild(), b);
  ASSERT_TRUE(status.ok()) << status.message;
  ASSERT_TRUE(b.build.has_value());
  const bundle::BuildSpec &build = *b.build;
  EXPECT_EQ(build.entry, "sample_build");
  EXPECT_EQ(build.workspaceBytesPerBatch, 4096u);
  const std::vector<ParamName> params = {
      ParamName::Key,          ParamName::Centroids, ParamName::Codes,
      ParamName::Workspace,    ParamName::SeqLen,    ParamName::KeyCapacity,
      ParamName::CodeCapacity, ParamName::Initial,   ParamName::Iterations,
      ParamName::Seed,         ParamName::Iteration, ParamName::KmeansIter};
  EXPECT_EQ(build.params, params);
  ASSERT_EQ(build.kernels.size(), 4u);
  EXPECT_EQ(build.kernels[0].name, "pq_build_draw");
  EXPECT_EQ(build.kernels[0].phase, BuildPhase::Prologue);
  EXPECT_TRUE(build.kernels[0].grid[1].isBatch);
  EXPECT_EQ(build.kernels[0].grid[0].value, 4u);
  EXPECT_EQ(build.kernels[0].block[0], 32u);
  EXPECT_EQ(build.kernels[1].phase, BuildPhase::Iteration);
  EXPECT_EQ(build.kernels[1].smem, 65536u);
  EXPECT_EQ(build.kernels[2].phase, BuildPhase::Iteration);
  EXPECT_EQ(build.kernels[3].phase, BuildPhase::Epilogue);
  // The step is untouched; the shared workspace is the larger one.
  EXPECT_EQ(b.kernels.size(), 1u);
  EXPECT_EQ(b.workspaceBytesPerBatch, 0u);
  EXPECT_EQ(b.sharedWorkspaceBytesPerBatch(), 4096u);
}

TEST(BuildManifest, IsOptional) {
  bundle::Bundle b;
  ASSERT_TRUE(parse(sampleManifest(), b).ok());
  EXPECT_FALSE(b.build.has_value());
  EXPECT_EQ(b.sharedWorkspaceBytesPerBatch(), 0u);
}

TEST(BuildManifest, AcceptsVariants) {
  const std::function<void(Json &)> variants[] = {
      // ip: phi in both lists.
      [](Json &m) {
        makeInnerProduct(m);
        m.erase("build");
        addSampleBuild(m);
      },
      // ip on a module that does not quantize: the step takes no phi, the
      // build writes it.
      [](Json &m) {
        m["step"]["metric"] = "ip";
        makeNoQuantize(m);
        m.erase("build");
        addSampleBuild(m);
      },
      // No workspace, no optional parameters, only an epilogue kernel.
      [](Json &m) {
        m["build"]["workspace_bytes_per_batch"] = 0;
        for (const char *name : {"workspace", "initial", "iterations", "seed",
                                 "iteration", "kmeans_iter", "seq_len"}) {
          eraseBuildParam(m, name);
        }
        Json last = m["build"]["kernels"][3];
        m["build"]["kernels"] = Json::array({last});
      },
      // An odd byte count (the build's workspace is i8) and a larger step
      // workspace.
      [](Json &m) {
        m["build"]["workspace_bytes_per_batch"] = 4097;
        m["workspace_bytes_per_batch"] = 8192;
        m["params"].push_back({{"name", "workspace"}, {"kind", "memref"}});
      },
      // Clusters, and a phase left out (no iteration kernels).
      [](Json &m) {
        Json &kernels = m["build"]["kernels"];
        kernels[0]["cluster"] = {4, 1, 1};
        kernels.erase(2);
        kernels.erase(1);
      },
  };
  for (const auto &change : variants) {
    Json m = withBuild();
    change(m);
    bundle::Bundle b;
    Status status = parse(m, b);
    EXPECT_TRUE(status.ok()) << status.message << "\n" << m["build"].dump();
  }
  Json m = withBuild();
  m["build"]["workspace_bytes_per_batch"] = 4097;
  m["workspace_bytes_per_batch"] = 8192;
  m["params"].push_back({{"name", "workspace"}, {"kind", "memref"}});
  bundle::Bundle b;
  ASSERT_TRUE(parse(m, b).ok());
  EXPECT_EQ(b.sharedWorkspaceBytesPerBatch(), 8192u);
}

struct Case {
  const char *name;
  std::function<void(Json &)> change;
  const char *message; // a substring of the expected error
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

class BuildManifestRule : public ::testing::TestWithParam<Case> {};

TEST_P(BuildManifestRule, IsEnforced) {
  Json m = withBuild();
  GetParam().change(m);
  bundle::Bundle out;
  Status status = parse(m, out);
  EXPECT_EQ(status.code, StatusCode::BadModule) << status.message;
  EXPECT_NE(status.message.find(GetParam().message), std::string::npos)
      << status.message;
  EXPECT_EQ(status.message.rfind("bundle: ", 0), 0u) << status.message;
}

Json &buildKernel(Json &m, size_t i) { return m["build"]["kernels"][i]; }

const Case kCases[] = {
    {"NotObject", [](Json &m) { m["build"] = Json::array(); },
     "field 'build' must be an object"},
    {"EntryMissing", [](Json &m) { m["build"].erase("entry"); },
     "field 'build.entry' is missing"},
    {"EntryEmpty", [](Json &m) { m["build"]["entry"] = ""; },
     "field 'build.entry' must not be empty"},
    {"UnknownField", [](Json &m) { m["build"]["strategy"] = "row"; },
     "unknown manifest field 'build.strategy'"},
    {"WorkspaceMissing",
     [](Json &m) { m["build"].erase("workspace_bytes_per_batch"); },
     "field 'build.workspace_bytes_per_batch' is missing"},
    {"WorkspaceNegative",
     [](Json &m) { m["build"]["workspace_bytes_per_batch"] = -1; },
     "field 'build.workspace_bytes_per_batch' must be a non-negative integer"},
    {"WorkspaceHuge",
     [](Json &m) {
       m["build"]["workspace_bytes_per_batch"] = (int64_t(1) << 40) + 1;
     },
     "field 'build.workspace_bytes_per_batch' must be a non-negative integer "
     "in [0, 1099511627776]"},
    {"WorkspaceWithoutParam",
     [](Json &m) { eraseBuildParam(m, "workspace"); },
     "field 'build.params' lacks parameter 'workspace': "
     "build.workspace_bytes_per_batch > 0"},
    {"WorkspaceParamWithoutBytes",
     [](Json &m) { m["build"]["workspace_bytes_per_batch"] = 0; },
     "field 'build.params' must not have parameter 'workspace'"},
    // Parameters: the list rules of the step, then the build's own.
    {"ParamsMissing", [](Json &m) { m["build"].erase("params"); },
     "field 'build.params' is missing"},
    {"ParamUnknown",
     [](Json &m) { m["build"]["params"][0]["name"] = "keys"; },
     "field 'build.params[0].name' names no kernel parameter"},
    {"ParamWrongKind",
     [](Json &m) { m["build"]["params"][4]["kind"] = "memref"; },
     "must be 'i64' for parameter 'seq_len'"},
    {"SeedAsMemref",
     [](Json &m) { m["build"]["params"][9]["kind"] = "memref"; },
     "must be 'i64' for parameter 'seed'"},
    {"InitialAsI64",
     [](Json &m) { m["build"]["params"][7]["kind"] = "i64"; },
     "must be 'memref' for parameter 'initial'"},
    {"ParamDuplicate",
     [](Json &m) {
       m["build"]["params"].push_back(m["build"]["params"][10]);
     },
     "field 'build.params[12]' repeats parameter 'iteration'"},
    {"ParamExtraField",
     [](Json &m) { m["build"]["params"][1]["type"] = "f32"; },
     "unknown manifest field 'build.params[1].type'"},
    {"StepOutputSparseList",
     [](Json &m) {
       m["build"]["params"].push_back(
           {{"name", "sparse_list"}, {"kind", "memref"}});
     },
     "field 'build.params[12]' names 'sparse_list', a parameter of the step "
     "only"},
    {"StepQuery",
     [](Json &m) {
       m["build"]["params"].push_back({{"name", "query"}, {"kind", "memref"}});
     },
     "names 'query', a parameter of the step only"},
    {"StepNumCached",
     [](Json &m) {
       m["build"]["params"].push_back({{"name", "num_cached"}, {"kind", "i64"}});
     },
     "names 'num_cached', a parameter of the step only"},
    {"WithoutKey", [](Json &m) { eraseBuildParam(m, "key"); },
     "field 'build.params' lacks parameter 'key'"},
    {"WithoutCentroids", [](Json &m) { eraseBuildParam(m, "centroids"); },
     "lacks parameter 'centroids'"},
    {"WithoutCodes", [](Json &m) { eraseBuildParam(m, "codes"); },
     "lacks parameter 'codes'"},
    {"PhiForEuclidean",
     [](Json &m) {
       m["build"]["params"].push_back({{"name", "phi"}, {"kind", "memref"}});
     },
     "field 'build.params' must not have parameter 'phi': phi is only for "
     "metric ip"},
    {"IpWithoutBuildPhi",
     [](Json &m) {
       makeInnerProduct(m); // phi in the step's list only
     },
     "field 'build.params' lacks parameter 'phi': metric ip"},
    // The step's list may not take the build's parameters.
    {"StepTakesSeed",
     [](Json &m) { m["params"].push_back({{"name", "seed"}, {"kind", "i64"}}); },
     "field 'params[11]' names 'seed', a parameter of the index build only"},
    {"StepTakesInitial",
     [](Json &m) {
       m["params"].push_back({{"name", "initial"}, {"kind", "memref"}});
     },
     "names 'initial', a parameter of the index build only"},
    // Kernels.
    {"KernelsMissing", [](Json &m) { m["build"].erase("kernels"); },
     "field 'build.kernels' is missing"},
    {"KernelsEmpty", [](Json &m) { m["build"]["kernels"] = Json::array(); },
     "field 'build.kernels' must hold 1 to 64 entries, not 0"},
    {"PhaseMissing", [](Json &m) { buildKernel(m, 1).erase("phase"); },
     "field 'build.kernels[1].phase' is missing"},
    {"PhaseUnknown", [](Json &m) { buildKernel(m, 2)["phase"] = "loop"; },
     "field 'build.kernels[2].phase' must be one of 'prologue', 'iteration', "
     "'epilogue'"},
    {"PhaseOutOfOrder",
     [](Json &m) { buildKernel(m, 2)["phase"] = "prologue"; },
     "field 'build.kernels[2].phase' is 'prologue' after 'iteration'; the "
     "build's kernels are listed in launch order"},
    {"KernelName", [](Json &m) { buildKernel(m, 0)["name"] = "draw kernel"; },
     "field 'build.kernels[0].name' must be a PTX identifier"},
    {"KernelGrid", [](Json &m) { buildKernel(m, 3)["grid"][2] = 0; },
     "field 'build.kernels[3].grid[2]' must be a positive integer or "
     "\"batch\""},
    {"KernelBlock",
     [](Json &m) {
       buildKernel(m, 1)["block"] = {1024, 2, 1};
     },
     "field 'build.kernels[1].block' has 2048 threads"},
    {"KernelSmemMissing", [](Json &m) { buildKernel(m, 0).erase("smem"); },
     "field 'build.kernels[0].smem' is missing"},
    {"KernelCluster",
     [](Json &m) {
       buildKernel(m, 0)["cluster"] = {3, 1, 1};
     },
     "field 'build.kernels[0].grid[0]' is not a multiple of the cluster "
     "dimension 3"},
    {"KernelExtraField", [](Json &m) { buildKernel(m, 0)["regs"] = 32; },
     "unknown manifest field 'build.kernels[0].regs'"},
};

INSTANTIATE_TEST_SUITE_P(Build, BuildManifestRule, ::testing::ValuesIn(kCases),
                         [](const auto &info) {
                           return std::string(info.param.name);
                         });

} // namespace
} // namespace test
} // namespace pqrt
