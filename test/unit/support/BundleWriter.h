//===- BundleWriter.h - Writes .pqmod bundles for tests ---------*- C++ -*-===//
//
// An independent writer of docs/BUNDLE.md (its own FNV-1a, its own layout
// code) so that parser tests do not check the parser against itself. Tests
// start from sampleManifest(), change one thing, and write valid or corrupt
// bytes. Not part of libpqrt: the compiler's writer is pq-compile.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_UNIT_SUPPORT_BUNDLEWRITER_H
#define PQ_TEST_UNIT_SUPPORT_BUNDLEWRITER_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace pqrt {
namespace test {

using Json = nlohmann::json;

struct TestImage {
  std::string arch;   // "sm_90"
  std::string format; // "ptx" or "cubin"
  std::string bytes;
};

/// A valid manifest of a small module: dynamic batch, h 8, h_kv 2, d 64,
/// S 2, 6 bits, compact layout, euclidean, quantize, one "row" kernel
/// "pq_row" with grid [2, "batch", 1]. "images" and "content_hash" are
/// filled by writeBundle.
Json sampleManifest();

/// Images whose text names the kernel "pq_row" (the mock driver resolves a
/// kernel when its name appears in the image): sm_80 ptx, sm_90 ptx,
/// sm_90 cubin.
std::vector<TestImage> sampleImages();

struct WriteOptions {
  bool fillImages = true; // set manifest "images" from the images given
  bool fillHash = true;   // set "content_hash" from the image section
};

/// The bytes of a bundle: magic, length, manifest.dump(), image section.
std::vector<uint8_t> writeBundle(Json manifest,
                                 const std::vector<TestImage> &images,
                                 const WriteOptions &options = {});

/// The bytes of a bundle with a manifest given verbatim.
std::vector<uint8_t> rawBundle(const std::string &manifestText,
                               const std::string &section,
                               const std::string &magic = "PQMOD01\n");

/// FNV-1a 64 and its "fnv1a64:<hex>" spelling, written independently.
uint64_t referenceFnv1a64(const std::string &bytes);
std::string hashText(const std::string &bytes);

/// Writes `bytes` to a fresh file under the temp directory; returns its path.
std::string writeTempFile(const std::vector<uint8_t> &bytes,
                          const std::string &name);

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_SUPPORT_BUNDLEWRITER_H
