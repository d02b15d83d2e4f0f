//===- Manifest.cpp - The manifest's top level and cross-field rules ------===//
//
// format and version are read first, so a bundle of another version is
// reported as such rather than by its first unfamiliar field. Unknown fields
// are errors: the compiler writes exactly docs/BUNDLE.md, and a typo must not
// silently drop a setting.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"

#include <cstdint>
#include <string>

namespace pqrt {
namespace bundle {

namespace {

Status parseHash(const std::string &text, uint64_t &out) {
  const std::string prefix = "fnv1a64:";
  bool ok = text.size() == prefix.size() + 16 &&
            text.compare(0, prefix.size(), prefix) == 0;
  uint64_t value = 0;
  for (size_t i = prefix.size(); ok && i < text.size(); ++i) {
    char c = text[i];
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
    ok = digit >= 0;
    value = (value << 4) | uint64_t(digit & 0xf);
  }
  if (!ok) {
    return fieldError("content_hash",
                      "must be \"fnv1a64:\" and 16 lower-case hex digits");
  }
  out = value;
  return Status::success();
}

Status readHeader(FieldReader &fields, Bundle &out) {
  std::string format;
  Status status = fields.string("format", format);
  if (status.ok() && format != "pqmod") {
    status = fieldError("format", "must be \"pqmod\"");
  }
  if (!status.ok()) {
    return status;
  }
  const Json *version = nullptr;
  status = fields.node("version", version);
  if (!status.ok()) {
    return status;
  }
  if (!version->is_number_integer()) {
    return fieldError("version", "must be an integer");
  }
  if (*version != Json(kVersion)) { // compares signed and unsigned alike
    return {StatusCode::BadModule,
            "bundle: manifest version " + version->dump() +
                " is not supported; this runtime reads version " +
                std::to_string(kVersion)};
  }
  status = fields.string("producer", out.producer);
  if (status.ok()) {
    status = fields.string("entry", out.entry);
  }
  if (status.ok() && out.entry.empty()) {
    status = fieldError("entry", "must not be empty");
  }
  return status;
}

Status readSections(FieldReader &fields, uint64_t imageSectionSize,
                    Bundle &out) {
  const Json *node = nullptr;
  Status status = fields.objectField("step", node);
  if (status.ok()) {
    status = parseStep(*node, out);
  }
  int strategy = 0;
  if (status.ok()) {
    status = fields.choice(
        "strategy",
        {{"row", int(Strategy::Row)},
         {"split", int(Strategy::Split)},
         {"cluster", int(Strategy::Cluster)}},
        strategy);
    out.strategy = static_cast<Strategy>(strategy);
  }
  int64_t workspace = 0;
  if (status.ok()) {
    status =
        fields.integer("workspace_bytes_per_batch", 0, kMaxWorkspacePerBatch,
                       "a non-negative integer", workspace);
    out.workspaceBytesPerBatch = uint64_t(workspace);
  }
  if (status.ok() && workspace % 4 != 0) {
    status = fieldError("workspace_bytes_per_batch",
                        "must be a multiple of 4 (the workspace is i32)");
  }
  if (status.ok()) {
    status = fields.arrayField("params", node);
  }
  if (status.ok()) {
    status = parseParams(*node, out);
  }
  if (status.ok()) {
    status = fields.arrayField("kernels", node);
  }
  if (status.ok()) {
    status = parseKernels(*node, out);
  }
  if (status.ok() && fields.has("build")) {
    status = fields.objectField("build", node);
    if (status.ok()) {
      status = parseBuild(*node, out);
    }
  }
  if (status.ok()) {
    status = fields.arrayField("images", node);
  }
  if (status.ok()) {
    status = parseImages(*node, imageSectionSize, out);
  }
  return status;
}

/// A parameter must appear exactly when the module needs it.
Status checkParam(const Bundle &b, ParamName name, bool needed,
                  const char *why) {
  if (b.hasParam(name) == needed) {
    return Status::success();
  }
  return fieldError("params", std::string(needed ? "lacks" : "must not have") +
                                  " parameter '" + paramNameText(name) +
                                  "': " + why);
}

Status checkParams(const Bundle &b) {
  for (size_t i = 0; i < b.params.size(); ++i) {
    if (!stepMayTake(b.params[i])) {
      return fieldError(elementPath("params", i),
                        std::string("names '") + paramNameText(b.params[i]) +
                            "', a parameter of the index build only (it "
                            "belongs in 'build.params')");
    }
  }
  bool ip = b.step.metric == Metric::InnerProduct;
  Status status = checkParam(b, ParamName::Key, b.quantize,
                             b.quantize ? "step.quantize is true"
                                        : "step.quantize is false");
  if (status.ok()) {
    status = checkParam(b, ParamName::Phi, b.quantize && ip,
                        b.quantize && ip
                            ? "metric ip with quantize needs phi"
                            : "phi is only for metric ip with quantize");
  }
  if (status.ok()) {
    bool workspace = b.workspaceBytesPerBatch > 0;
    status = checkParam(b, ParamName::Workspace, workspace,
                        workspace ? "workspace_bytes_per_batch > 0"
                                  : "workspace_bytes_per_batch is 0");
  }
  return status;
}

} // namespace

Status parseManifest(const Json &manifest, uint64_t imageSectionSize,
                     Bundle &out) {
  if (!manifest.is_object()) {
    return {StatusCode::BadModule, "bundle: manifest must be a JSON object"};
  }
  FieldReader fields(manifest, "");
  Status status = readHeader(fields, out);
  if (status.ok()) {
    status = readSections(fields, imageSectionSize, out);
  }
  std::string hash;
  if (status.ok()) {
    status = fields.string("content_hash", hash);
  }
  if (status.ok()) {
    status = parseHash(hash, out.contentHash);
  }
  if (status.ok()) {
    status = fields.rejectUnknown();
  }
  if (status.ok()) {
    status = checkParams(out);
  }
  if (status.ok() && out.build) {
    status = checkBuildParams(out);
  }
  return status;
}

} // namespace bundle
} // namespace pqrt
