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

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_SUPPORT_SAMPLEBUNDLE_H
