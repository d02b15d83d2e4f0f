//===- SampleBundle.h - Parsed sample bundles for tests ---------*- C++ -*-===//

#ifndef PQ_TEST_UNIT_SUPPORT_SAMPLEBUNDLE_H
#define PQ_TEST_UNIT_SUPPORT_SAMPLEBUNDLE_H

#include "BundleWriter.h"
#include "bundle/Bundle.h"

#include <functional>

namespace pqrt {
namespace test {

/// sampleManifest() after `change`, written with `images` and parsed;
/// fails the current test when it does not parse.
bundle::Bundle
sampleBundle(const std::function<void(Json &)> &change = {},
             const std::vector<TestImage> &images = sampleImages());

/// The manifest changes that make the sample an ip module (adds phi).
void makeInnerProduct(Json &manifest);
/// ... a module that does not quantize (drops key).
void makeNoQuantize(Json &manifest);

/// Adds the sample index build (docs/BUNDLE.md "build"): entry
/// "sample_build", 4096 workspace bytes per batch, the full build list (phi
/// when the manifest's metric is ip: call it after makeInnerProduct), and
/// kernels pq_build_draw (prologue, grid [4, "batch", 1]), pq_build_assign
/// (iteration, 64 KiB of dynamic shared memory: above the default limit)
/// and pq_build_update (iteration), pq_build_codes (epilogue, 40 KiB).
void addSampleBuild(Json &manifest);

/// sampleImages() whose text also names the sample build's kernels.
std::vector<TestImage> sampleBuildImages();

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_SUPPORT_SAMPLEBUNDLE_H
