//===- ManifestBuild.cpp - The manifest's optional "build" section --------===//
//
// docs/BUNDLE.md "build": the index build's kernels, in the same images as
// the step's, configured by the manifest's "step". Its parameter list obeys
// the step list's rules (an in-order subset of KernelParamList.h, kinds as
// listed) and names none of the step's own outputs; its kernels are listed
// in launch order (prologue, iteration, epilogue), and each takes the whole
// list.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"

#include <string>

namespace pqrt {
namespace bundle {

namespace {

Status parseBuildKernels(const Json &kernels, BuildSpec &out) {
  const std::string path = "build.kernels";
  Status status = checkEntryCount(kernels, path, kMaxKernels);
  out.kernels.assign(kernels.size(), BuildKernelSpec());
  for (size_t i = 0; status.ok() && i < kernels.size(); ++i) {
    BuildKernelSpec &kernel = out.kernels[i];
    status = parseKernel(kernels[i], elementPath(path, i), kernel,
                         &kernel.phase);
    if (status.ok() && i > 0 && kernel.phase < out.kernels[i - 1].phase) {
      status = fieldError(
          elementPath(path, i) + ".phase",
          std::string("is '") + buildPhaseText(kernel.phase) + "' after '" +
              buildPhaseText(out.kernels[i - 1].phase) +
              "'; the build's kernels are listed in launch order: "
              "prologue, then iteration, then epilogue");
    }
  }
  return status;
}

/// Like the step's checkParam: `name` must appear exactly when `needed`.
Status checkBuildParam(const BuildSpec &build, ParamName name, bool needed,
                       const char *why) {
  if (build.hasParam(name) == needed) {
    return Status::success();
  }
  return fieldError("build.params",
                    std::string(needed ? "lacks" : "must not have") +
                        " parameter '" + paramNameText(name) + "': " + why);
}

} // namespace

Status parseBuild(const Json &node, Bundle &out) {
  FieldReader fields(node, "build");
  BuildSpec build;
  int64_t workspace = 0;
  const Json *list = nullptr;
  Status status = fields.string("entry", build.entry);
  if (status.ok() && build.entry.empty()) {
    status = fieldError("build.entry", "must not be empty");
  }
  if (status.ok()) {
    status =
        fields.integer("workspace_bytes_per_batch", 0, kMaxWorkspacePerBatch,
                       "a non-negative integer", workspace);
    build.workspaceBytesPerBatch = uint64_t(workspace);
  }
  if (status.ok()) {
    status = fields.arrayField("params", list);
  }
  if (status.ok()) {
    status = parseParamList(*list, "build.params", build.params);
  }
  if (status.ok()) {
    status = fields.arrayField("kernels", list);
  }
  if (status.ok()) {
    status = parseBuildKernels(*list, build);
  }
  if (status.ok()) {
    status = fields.rejectUnknown();
  }
  if (status.ok()) {
    out.build = std::move(build);
  }
  return status;
}

Status checkBuildParams(const Bundle &b) {
  const BuildSpec &build = *b.build;
  for (size_t i = 0; i < build.params.size(); ++i) {
    if (!buildMayTake(build.params[i])) {
      return fieldError(elementPath("build.params", i),
                        std::string("names '") +
                            paramNameText(build.params[i]) +
                            "', a parameter of the step only; the build's "
                            "kernels never take it");
    }
  }
  const bool ip = b.step.metric == Metric::InnerProduct;
  const bool workspace = build.workspaceBytesPerBatch > 0;
  Status status = checkBuildParam(build, ParamName::Key, true,
                                  "the build clusters the key cache");
  if (status.ok()) {
    status = checkBuildParam(build, ParamName::Centroids, true,
                             "the build writes the centroids");
  }
  if (status.ok()) {
    status = checkBuildParam(build, ParamName::Codes, true,
                             "the build writes the codes");
  }
  if (status.ok()) {
    status = checkBuildParam(build, ParamName::Phi, ip,
                             ip ? "metric ip: the build writes phi"
                                : "phi is only for metric ip");
  }
  if (status.ok()) {
    status = checkBuildParam(
        build, ParamName::Workspace, workspace,
        workspace ? "build.workspace_bytes_per_batch > 0"
                  : "build.workspace_bytes_per_batch is 0");
  }
  return status;
}

} // namespace bundle
} // namespace pqrt
