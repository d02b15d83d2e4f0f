//===- Container.cpp - The .pqmod byte layout -----------------------------===//
//
// magic | manifest length (u64 LE) | manifest JSON | image section.
// Lengths are checked against the buffer before anything is read, and the
// content hash is recomputed over the image section, so truncated or
// bit-flipped files are rejected with a message saying which part is wrong.
//
//===----------------------------------------------------------------------===//

#include "Bundle.h"
#include "Manifest.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <sys/stat.h>

namespace pqrt {
namespace bundle {

namespace {

/// Manifests are a few KiB; the cap bounds the parser's work on garbage.
constexpr uint64_t kMaxManifestSize = uint64_t(16) << 20;
/// Bundles hold a few MiB of PTX and cubins.
constexpr long kMaxFileSize = long(1) << 30;

Status bad(const std::string &message) {
  return {StatusCode::BadModule, "bundle: " + message};
}

uint64_t readLittleEndian64(const uint8_t *bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) {
    value = (value << 8) | bytes[i];
  }
  return value;
}

Status parseJson(const uint8_t *text, size_t size, Json &out) {
  try {
    out = Json::parse(text, text + size);
  } catch (const std::exception &error) {
    return bad(std::string("manifest is not valid JSON: ") + error.what());
  }
  return Status::success();
}

} // namespace

uint64_t fnv1a64(const void *data, size_t size) {
  const uint8_t *bytes = static_cast<const uint8_t *>(data);
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string formatContentHash(uint64_t hash) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(hash));
  return std::string("fnv1a64:") + text;
}

Status parseBundle(const void *data, size_t size, Bundle &out) {
  const uint8_t *bytes = static_cast<const uint8_t *>(data);
  if (!bytes || size < kHeaderSize) {
    return bad("file is truncated: " + std::to_string(size) +
               " bytes, shorter than the 16-byte header");
  }
  if (std::memcmp(bytes, kMagic, sizeof(kMagic)) != 0) {
    return bad("not a .pqmod file (the magic is not \"PQMOD01\\n\")");
  }
  uint64_t manifestSize = readLittleEndian64(bytes + 8);
  uint64_t available = size - kHeaderSize;
  if (manifestSize > available) {
    return bad("file is truncated: the manifest length is " +
               std::to_string(manifestSize) + " bytes but only " +
               std::to_string(available) + " follow the header");
  }
  if (manifestSize > kMaxManifestSize) {
    return bad("manifest of " + std::to_string(manifestSize) +
               " bytes exceeds the 16 MiB limit");
  }
  Json manifest;
  Status status = parseJson(bytes + kHeaderSize, manifestSize, manifest);
  if (!status.ok()) {
    return status;
  }
  const uint8_t *section = bytes + kHeaderSize + manifestSize;
  uint64_t sectionSize = available - manifestSize;
  out = Bundle();
  status = parseManifest(manifest, sectionSize, out);
  if (!status.ok()) {
    return status;
  }
  uint64_t hash = fnv1a64(section, sectionSize);
  if (hash != out.contentHash) {
    return bad("content hash mismatch: the manifest says " +
               formatContentHash(out.contentHash) +
               " but the image section hashes to " + formatContentHash(hash) +
               " (the file is corrupt or was edited)");
  }
  out.imageSection.assign(section, section + sectionSize);
  return Status::success();
}

Status readBundleFile(const char *path, Bundle &out) {
  if (!path) {
    return Status::invalid("path: is null; expected a .pqmod file name");
  }
  std::FILE *file = std::fopen(path, "rb");
  if (!file) {
    return Status::invalid(std::string("bundle: cannot open '") + path +
                           "': " + std::strerror(errno));
  }
  // fopen succeeds on a directory; reading it then fails with EISDIR.
  struct stat info;
  if (fstat(fileno(file), &info) == 0 && S_ISDIR(info.st_mode)) {
    std::fclose(file);
    return Status::invalid(std::string("bundle: '") + path +
                           "' is a directory, not a .pqmod file");
  }
  std::string bytes;
  char buffer[1 << 16];
  size_t got = 0;
  bool tooLarge = false;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    if (long(bytes.size() + got) > kMaxFileSize) {
      tooLarge = true;
      break;
    }
    bytes.append(buffer, got);
  }
  const int readError = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (readError != 0) {
    return Status::invalid(std::string("bundle: cannot read '") + path +
                           "': " + std::strerror(readError));
  }
  if (tooLarge) {
    return bad(std::string("'") + path + "' exceeds the 1 GiB limit");
  }
  Status status = parseBundle(bytes.data(), bytes.size(), out);
  if (!status.ok()) {
    status.message += std::string(" (in ") + path + ")";
  }
  return status;
}

} // namespace bundle
} // namespace pqrt
