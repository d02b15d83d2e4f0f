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

} // namespace test
} // namespace pqrt
