//===- ManifestKernels.cpp - "params", "kernels" and "images" -------------===//
//
// The launch ABI of docs/BUNDLE.md. Launch geometry is bounded by what CUDA
// devices accept (block <= 1024 threads, grid y/z <= 65535, clusters <= 16
// blocks, the non-portable maximum of sm_90), so a bad manifest fails here
// rather than inside cuLaunchKernel.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"

#include <cstdint>
#include <limits>
#include <set>
#include <utility>

namespace pqrt {
namespace bundle {

namespace {

constexpr int64_t kMaxImages = 256;
constexpr int64_t kMaxGridX = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxGridYZ = 65535;
constexpr int64_t kMaxBlockThreads = 1024;
constexpr int64_t kMaxClusterBlocks = 16;
constexpr int64_t kMaxSmem = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxOffset = int64_t(1) << 62;
/// Most phase timestamps a kernel records (docs/BUNDLE.md, Phase timers).
constexpr int64_t kMaxPhaseTimers = 64;

/// PTX identifiers: [A-Za-z_$][A-Za-z0-9_$]* (no NUL can sneak into the
/// C string handed to cuModuleGetFunction).
bool isIdentifier(const std::string &name) {
  if (name.empty() || name.size() > 1024) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 c == '$';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}

/// A [x, y, z] array of integers; `batchAllowed` admits "batch" entries.
Status readDims(FieldReader &fields, const char *key, int64_t min,
                const int64_t (&max)[3], bool batchAllowed,
                std::array<GridDim, 3> &out) {
  const Json *dims = nullptr;
  Status status = fields.arrayField(key, dims);
  if (!status.ok()) {
    return status;
  }
  std::string path = fields.pathOf(key);
  if (dims->size() != 3) {
    return fieldError(path, "must have 3 entries [x, y, z]");
  }
  for (size_t i = 0; i < 3; ++i) {
    const Json &dim = (*dims)[i];
    if (batchAllowed && dim.is_string() && dim.get<std::string>() == "batch") {
      out[i].isBatch = true;
      continue;
    }
    int64_t value = 0;
    status = readInteger(dim, elementPath(path, i), min, max[i],
                         batchAllowed ? "a positive integer or \"batch\""
                                      : "a positive integer",
                         value);
    if (!status.ok()) {
      return status;
    }
    out[i] = {false, uint32_t(value)};
  }
  return Status::success();
}

Status readPlainDims(FieldReader &fields, const char *key,
                     const int64_t (&max)[3], std::array<uint32_t, 3> &out) {
  std::array<GridDim, 3> dims;
  Status status = readDims(fields, key, 1, max, false, dims);
  for (size_t i = 0; status.ok() && i < 3; ++i) {
    out[i] = dims[i].value;
  }
  return status;
}

Status checkGeometry(const KernelSpec &k, const std::string &path) {
  int64_t threads = int64_t(k.block[0]) * k.block[1] * k.block[2];
  if (threads > kMaxBlockThreads) {
    return fieldError(path + ".block", "has " + std::to_string(threads) +
                                           " threads; at most 1024 allowed");
  }
  int64_t blocks = int64_t(k.cluster[0]) * k.cluster[1] * k.cluster[2];
  if (blocks > kMaxClusterBlocks) {
    return fieldError(path + ".cluster", "has " + std::to_string(blocks) +
                                             " blocks; at most 16 allowed");
  }
  for (size_t i = 0; i < 3; ++i) {
    if (!k.grid[i].isBatch && k.grid[i].value % k.cluster[i] != 0) {
      return fieldError(elementPath(path + ".grid", i),
                        "is not a multiple of the cluster dimension " +
                            std::to_string(k.cluster[i]));
    }
  }
  return Status::success();
}

/// The optional "phase_timers": 1 to kMaxPhaseTimers distinct identifiers.
Status readPhaseTimers(FieldReader &fields, std::vector<std::string> &out) {
  out.clear();
  if (!fields.has("phase_timers")) {
    return Status::success();
  }
  const Json *names = nullptr;
  Status status = fields.arrayField("phase_timers", names);
  std::string path = fields.pathOf("phase_timers");
  if (status.ok() && (names->empty() || int64_t(names->size()) > kMaxPhaseTimers)) {
    status = fieldError(path, "must hold 1 to " +
                                  std::to_string(kMaxPhaseTimers) +
                                  " phase names, not " +
                                  std::to_string(names->size()));
  }
  std::set<std::string> seen;
  for (size_t i = 0; status.ok() && i < names->size(); ++i) {
    const Json &name = (*names)[i];
    if (!name.is_string() || !isIdentifier(name.get<std::string>())) {
      status = fieldError(elementPath(path, i), "must be an identifier");
    } else if (!seen.insert(name.get<std::string>()).second) {
      status = fieldError(elementPath(path, i),
                          "repeats phase '" + name.get<std::string>() + "'");
    } else {
      out.push_back(name.get<std::string>());
    }
  }
  return status;
}

Status parseImage(const Json &node, const std::string &path,
                  uint64_t sectionSize, ImageSpec &out) {
  if (!node.is_object()) {
    return fieldError(path, "must be an object");
  }
  FieldReader fields(node, path);
  int format = 0;
  int64_t offset = 0;
  int64_t size = 0;
  Status status = fields.string("arch", out.arch);
  if (status.ok() && !parseArch(out.arch, out.sm, out.archSpecific)) {
    status = fieldError(fields.pathOf("arch"),
                        "must name a GPU arch like \"sm_90\" or \"sm_90a\"");
  }
  if (status.ok()) {
    status = fields.choice(
        "format",
        {{"ptx", int(ImageFormat::Ptx)}, {"cubin", int(ImageFormat::Cubin)}},
        format);
  }
  if (status.ok()) {
    status = fields.integer("offset", 0, kMaxOffset, "a non-negative integer",
                            offset);
  }
  if (status.ok()) {
    status = fields.integer("size", 1, kMaxOffset, "a positive integer", size);
  }
  if (status.ok()) {
    status = fields.rejectUnknown();
  }
  if (!status.ok()) {
    return status;
  }
  out.format = static_cast<ImageFormat>(format);
  out.offset = uint64_t(offset);
  out.size = uint64_t(size);
  // Both are < 2^62, so the sum cannot wrap.
  if (out.offset + out.size > sectionSize) {
    return fieldError(path, "lies outside the image section: bytes [" +
                                std::to_string(out.offset) + ", " +
                                std::to_string(out.offset + out.size) +
                                ") of " + std::to_string(sectionSize));
  }
  return Status::success();
}

} // namespace

Status checkEntryCount(const Json &array, const std::string &path,
                       int64_t max) {
  if (array.empty() || int64_t(array.size()) > max) {
    return fieldError(path, "must hold 1 to " + std::to_string(max) +
                                " entries, not " +
                                std::to_string(array.size()));
  }
  return Status::success();
}

Status parseKernel(const Json &node, const std::string &path, KernelSpec &out,
                   BuildPhase *phase) {
  if (!node.is_object()) {
    return fieldError(path, "must be an object");
  }
  FieldReader fields(node, path);
  const int64_t gridMax[3] = {kMaxGridX, kMaxGridYZ, kMaxGridYZ};
  const int64_t blockMax[3] = {1024, 1024, 64};
  const int64_t clusterMax[3] = {kMaxClusterBlocks, kMaxClusterBlocks,
                                 kMaxClusterBlocks};
  int64_t smem = 0;
  Status status = fields.string("name", out.name);
  if (status.ok() && !isIdentifier(out.name)) {
    status = fieldError(fields.pathOf("name"),
                        "must be a PTX identifier ([A-Za-z_$][A-Za-z0-9_$]*)");
  }
  if (status.ok()) {
    status = readDims(fields, "grid", 1, gridMax, true, out.grid);
  }
  if (status.ok()) {
    status = readPlainDims(fields, "block", blockMax, out.block);
  }
  if (status.ok()) {
    status =
        fields.integer("smem", 0, kMaxSmem, "a non-negative integer", smem);
  }
  if (status.ok()) {
    status = readPlainDims(fields, "cluster", clusterMax, out.cluster);
  }
  if (status.ok() && phase) {
    int value = 0;
    status = fields.choice("phase",
                           {{"prologue", int(BuildPhase::Prologue)},
                            {"iteration", int(BuildPhase::Iteration)},
                            {"epilogue", int(BuildPhase::Epilogue)}},
                           value);
    *phase = static_cast<BuildPhase>(value);
  }
  if (status.ok()) {
    status = readPhaseTimers(fields, out.phaseTimers);
  }
  if (status.ok()) {
    status = fields.rejectUnknown();
  }
  if (status.ok()) {
    out.smem = uint32_t(smem);
    status = checkGeometry(out, path);
  }
  return status;
}

Status parseParams(const Json &params, Bundle &out) {
  return parseParamList(params, "params", out.params);
}

Status parseParamList(const Json &params, const std::string &listPath,
                      std::vector<ParamName> &out) {
  out.clear();
  std::set<ParamName> seen;
  for (size_t i = 0; i < params.size(); ++i) {
    std::string path = elementPath(listPath, i);
    const Json &node = params[i];
    if (!node.is_object()) {
      return fieldError(path, "must be an object");
    }
    FieldReader fields(node, path);
    std::string text;
    int kind = 0;
    ParamName name = ParamName::Query;
    Status status = fields.string("name", text);
    if (status.ok() && !parseParamName(text, name)) {
      status = fieldError(fields.pathOf("name"),
                          "names no kernel parameter of docs/BUNDLE.md");
    }
    if (status.ok()) {
      status = fields.choice(
          "kind",
          {{"memref", int(ParamKind::Memref)}, {"i64", int(ParamKind::I64)}},
          kind);
    }
    if (status.ok()) {
      status = fields.rejectUnknown();
    }
    if (!status.ok()) {
      return status;
    }
    if (static_cast<ParamKind>(kind) != paramKindOf(name)) {
      return fieldError(
          fields.pathOf("kind"),
          std::string("must be '") +
              (paramKindOf(name) == ParamKind::Memref ? "memref" : "i64") +
              "' for parameter '" + text + "'");
    }
    if (!seen.insert(name).second) {
      return fieldError(path, "repeats parameter '" + text + "'");
    }
    out.push_back(name);
  }
  return Status::success();
}

Status parseKernels(const Json &kernels, Bundle &out) {
  Status status = checkEntryCount(kernels, "kernels", kMaxKernels);
  out.kernels.assign(kernels.size(), KernelSpec());
  for (size_t i = 0; status.ok() && i < kernels.size(); ++i) {
    status = parseKernel(kernels[i], elementPath("kernels", i), out.kernels[i]);
  }
  return status;
}

Status parseImages(const Json &images, uint64_t imageSectionSize, Bundle &out) {
  Status status = checkEntryCount(images, "images", kMaxImages);
  out.images.assign(images.size(), ImageSpec());
  std::set<std::pair<std::string, ImageFormat>> seen;
  for (size_t i = 0; status.ok() && i < images.size(); ++i) {
    std::string path = elementPath("images", i);
    ImageSpec &image = out.images[i];
    status = parseImage(images[i], path, imageSectionSize, image);
    if (status.ok() && !seen.insert({image.arch, image.format}).second) {
      status = fieldError(
          path, "repeats arch " + image.arch + " " +
                    (image.format == ImageFormat::Ptx ? "ptx" : "cubin"));
    }
  }
  return status;
}

} // namespace bundle
} // namespace pqrt
