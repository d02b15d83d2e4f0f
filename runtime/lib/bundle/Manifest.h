//===- Manifest.h - The manifest's sections ---------------------*- C++ -*-===//
//
// One function per manifest section, each filling its part of a Bundle.
// Cross-field rules (params vs. quantize, images vs. the image section, the
// build's params vs. the step) are checked by parseManifest after all
// sections are read.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_BUNDLE_MANIFEST_H
#define PQRT_LIB_BUNDLE_MANIFEST_H

#include "Bundle.h"
#include "JsonFields.h"

namespace pqrt {
namespace bundle {

/// Bounds of "workspace_bytes_per_batch" (the step's and the build's) and of
/// the kernel lists.
constexpr int64_t kMaxWorkspacePerBatch = int64_t(1) << 40;
constexpr int64_t kMaxKernels = 64;

/// The whole manifest; `imageSectionSize` bounds the images.
Status parseManifest(const Json &manifest, uint64_t imageSectionSize,
                     Bundle &out);

/// "step": the StepConfig, static batch, quantize and max_seq_len.
Status parseStep(const Json &step, Bundle &out);
/// "params": names, kinds, no duplicates.
Status parseParams(const Json &params, Bundle &out);
/// A parameter list at `path` ("params", "build.params"): names, kinds, no
/// duplicates.
Status parseParamList(const Json &params, const std::string &path,
                      std::vector<ParamName> &out);
/// "kernels": names and launch geometry.
Status parseKernels(const Json &kernels, Bundle &out);
/// One kernel object at `path`; with `phase`, a build kernel, whose
/// "phase" is read too.
Status parseKernel(const Json &node, const std::string &path, KernelSpec &out,
                   BuildPhase *phase = nullptr);
/// BadModule unless `array` holds 1 to `max` entries.
Status checkEntryCount(const Json &array, const std::string &path,
                       int64_t max);
/// "build" (optional): entry, workspace, params and phased kernels.
Status parseBuild(const Json &build, Bundle &out);
/// The build's parameters against the step: none of the step's own, the
/// buffers the build writes, phi exactly for metric ip, the workspace
/// exactly when it has bytes.
Status checkBuildParams(const Bundle &bundle);
/// "images": archs, formats and bounds inside the image section.
Status parseImages(const Json &images, uint64_t imageSectionSize, Bundle &out);

} // namespace bundle
} // namespace pqrt

#endif // PQRT_LIB_BUNDLE_MANIFEST_H
