//===- SampleBundle.cpp - Parsed sample bundles for runtime tests ---------===//

#include "SampleBundle.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {

bundle::Bundle sampleBundle(const std::function<void(Json &)> &change,
                            const std::vector<TestImage> &images) {
  Json manifest = sampleManifest();
  if (change) {
    change(manifest);
  }
  std::vector<uint8_t> bytes = writeBundle(manifest, images);
  bundle::Bundle out;
  Status status = bundle::parseBundle(bytes.data(), bytes.size(), out);
  EXPECT_TRUE(status.ok()) << status.message;
  return out;
}

void makeInnerProduct(Json &manifest) {
  manifest["step"]["metric"] = "ip";
  manifest["params"].push_back({{"name", "phi"}, {"kind", "memref"}});
}

void makeNoQuantize(Json &manifest) {
  manifest["step"]["quantize"] = false;
  Json &params = manifest["params"];
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]["name"] == "key") {
      params.erase(i);
      break;
    }
  }
}

void addSampleBuild(Json &manifest) {
  const bool ip = manifest["step"]["metric"] == "ip";
  // KernelParamList.h's order, as pq-compile writes it.
  Json params = Json::array();
  auto add = [&](const char *name, const char *kind) {
    params.push_back({{"name", name}, {"kind", kind}});
  };
  for (const char *name : {"key", "centroids", "phi", "codes", "workspace"}) {
    if (std::string(name) != "phi" || ip) {
      add(name, "memref");
    }
  }
  for (const char *name : {"seq_len", "key_capacity", "code_capacity"}) {
    add(name, "i64");
  }
  add("initial", "memref");
  add("iterations", "memref");
  for (const char *name : {"seed", "iteration", "kmeans_iter"}) {
    add(name, "i64");
  }
  auto kernel = [](const char *name, Json grid, int threads, int smem,
                   const char *phase) {
    return Json{{"name", name},    {"grid", grid},
                {"block", {threads, 1, 1}}, {"smem", smem},
                {"cluster", {1, 1, 1}},     {"phase", phase}};
  };
  manifest["build"] = {
      {"entry", "sample_build"},
      {"workspace_bytes_per_batch", 4096},
      {"params", params},
      {"kernels",
       Json::array({kernel("pq_build_draw", {4, "batch", 1}, 32, 0, "prologue"),
                    kernel("pq_build_assign", {8, "batch", 1}, 256, 65536,
                           "iteration"),
                    kernel("pq_build_update", {2, "batch", 1}, 128, 0,
                           "iteration"),
                    kernel("pq_build_codes", {8, "batch", 1}, 256, 40960,
                           "epilogue")})}};
}

std::vector<TestImage> sampleBuildImages() {
  std::vector<TestImage> images = sampleImages();
  for (TestImage &image : images) {
    image.bytes +=
        " pq_build_draw pq_build_assign pq_build_update pq_build_codes";
  }
  return images;
}

} // namespace test
} // namespace pqrt
