//===- BundleFuzzer.cpp - libFuzzer target for the .pqmod parser ----------===//
//
// Any bytes: parseBundle must return a Status and never crash, read out of
// bounds or hang. Whatever parses must be launchable in principle: its
// images lie inside the section, image selection and argument validation
// run without touching a buffer, and the kernel parameters fit the slots.
//
//===----------------------------------------------------------------------===//

#include "bundle/Bundle.h"
#include "indexer/Launch.h"
#include "pqrt/pqrt.h"

#include <cstdlib>

namespace {

void checkParsed(const pqrt::bundle::Bundle &b) {
  for (const pqrt::bundle::ImageSpec &image : b.images) {
    if (image.offset + image.size > b.imageSection.size()) {
      std::abort();
    }
  }
  for (int sm : {70, 80, 86, 90, 100, 120}) {
    size_t index = 0;
    if (pqrt::bundle::selectImage(b, sm, index).ok() &&
        index >= b.images.size()) {
      std::abort();
    }
  }
  // Fake device addresses: validation must never dereference them.
  int64_t cached = 1;
  pqrt::indexer::RunArgs args;
  args.batch = b.staticBatch ? b.staticBatch : 2;
  args.keyCapacity = 300;
  args.codeCapacity = 300;
  args.step.seqLen = 300;
  void *fake = reinterpret_cast<void *>(uintptr_t(0xdead0000000));
  args.step.query = args.step.key = args.step.centroids = fake;
  args.step.codebook = args.step.sparseList = args.step.weightList = fake;
  args.step.phi = static_cast<const float *>(fake);
  args.step.sparseLen = static_cast<int64_t *>(fake);
  args.step.numCached = &cached;
  if (!pqrt::indexer::validateRun(b, args.batch, args).ok()) {
    return;
  }
  pqrt::indexer::BufferSizes sizes;
  if (!pqrt::indexer::bufferSizes(b, args, sizes).ok()) {
    std::abort(); // validateRun accepted it
  }
  pqrt::indexer::PackedParams params;
  pqrt::indexer::packParams(b, args, sizes, 0, params);
  if (params.count > pqrt::indexer::kMaxParamSlots) {
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pqrt::bundle::Bundle bundle;
  bool parsed = pqrt::bundle::parseBundle(data, size, bundle).ok();
  if (parsed) {
    checkParsed(bundle);
  }
  // The C API must agree with the C++ parser.
  pqrt_bundle *handle = nullptr;
  pqrt_status status = pqrt_bundle_load_memory(data, size, &handle);
  if ((status == PQRT_OK) != parsed || (handle != nullptr) != parsed) {
    std::abort();
  }
  pqrt_bundle_destroy(handle);
  return 0;
}
