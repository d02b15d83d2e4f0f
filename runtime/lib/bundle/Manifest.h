//===- Manifest.h - The manifest's sections ---------------------*- C++ -*-===//
//
// One function per manifest section, each filling its part of a Bundle.
// Cross-field rules (params vs. quantize, images vs. the image section) are
// checked by parseManifest after all sections are read.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_BUNDLE_MANIFEST_H
#define PQRT_LIB_BUNDLE_MANIFEST_H

#include "Bundle.h"
#include "JsonFields.h"

namespace pqrt {
namespace bundle {

/// The whole manifest; `imageSectionSize` bounds the images.
Status parseManifest(const Json &manifest, uint64_t imageSectionSize,
                     Bundle &out);

/// "step": the StepConfig, static batch, quantize and max_seq_len.
Status parseStep(const Json &step, Bundle &out);
/// "params": names, kinds, no duplicates.
Status parseParams(const Json &params, Bundle &out);
/// "kernels": names and launch geometry.
Status parseKernels(const Json &kernels, Bundle &out);
/// "images": archs, formats and bounds inside the image section.
Status parseImages(const Json &images, uint64_t imageSectionSize, Bundle &out);

} // namespace bundle
} // namespace pqrt

#endif // PQRT_LIB_BUNDLE_MANIFEST_H
