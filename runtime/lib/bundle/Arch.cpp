//===- Arch.cpp - Choosing a device image for a GPU -----------------------===//
//
// A cubin runs only on the sm it was built for (we do not rely on the
// within-major binary compatibility, as docs/BUNDLE.md specifies); PTX JITs
// forward to any newer sm, except arch-specific ("a"/"f") PTX, which uses
// features of exactly one sm.
//
//===----------------------------------------------------------------------===//

#include "Bundle.h"

#include <cctype>
#include <string>

namespace pqrt {
namespace bundle {

bool parseArch(const std::string &arch, int &sm, bool &archSpecific) {
  if (arch.size() < 4 || arch.compare(0, 3, "sm_") != 0) {
    return false;
  }
  size_t end = arch.size();
  archSpecific = arch.back() == 'a' || arch.back() == 'f';
  if (archSpecific) {
    --end;
  }
  size_t digits = end - 3;
  if (digits < 2 || digits > 4) {
    return false;
  }
  int value = 0;
  for (size_t i = 3; i < end; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(arch[i]))) {
      return false;
    }
    value = value * 10 + (arch[i] - '0');
  }
  if (value < 10) {
    return false;
  }
  sm = value;
  return true;
}

namespace {

const char *formatText(ImageFormat format) {
  return format == ImageFormat::Ptx ? "ptx" : "cubin";
}

/// True when `candidate` is a better pick than `best` among images that fit:
/// a newer sm, then an arch-specific build of the same sm.
bool better(const ImageSpec &candidate, const ImageSpec *best) {
  if (!best || candidate.sm != best->sm) {
    return !best || candidate.sm > best->sm;
  }
  return candidate.archSpecific && !best->archSpecific;
}

} // namespace

Status selectImage(const Bundle &bundle, int deviceSm, size_t &index) {
  const ImageSpec *cubin = nullptr;
  const ImageSpec *ptx = nullptr;
  size_t cubinIndex = 0;
  size_t ptxIndex = 0;
  for (size_t i = 0; i < bundle.images.size(); ++i) {
    const ImageSpec &image = bundle.images[i];
    if (image.format == ImageFormat::Cubin) {
      if (image.sm == deviceSm && better(image, cubin)) {
        cubin = &image;
        cubinIndex = i;
      }
      continue;
    }
    bool fits =
        image.archSpecific ? image.sm == deviceSm : image.sm <= deviceSm;
    if (fits && better(image, ptx)) {
      ptx = &image;
      ptxIndex = i;
    }
  }
  if (cubin || ptx) {
    index = cubin ? cubinIndex : ptxIndex;
    return Status::success();
  }
  std::string have;
  for (const ImageSpec &image : bundle.images) {
    have += (have.empty() ? "" : ", ") + image.arch + " " +
            formatText(image.format);
  }
  return {StatusCode::Unsupported,
          "bundle: module '" + bundle.entry + "' has no image for sm_" +
              std::to_string(deviceSm) + ": it has " +
              (have.empty() ? std::string("no images") : have) +
              "; recompile with --target=sm_" + std::to_string(deviceSm)};
}

} // namespace bundle
} // namespace pqrt
