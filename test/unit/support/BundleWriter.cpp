//===- BundleWriter.cpp - Writes .pqmod bundles for tests -----------------===//

#include "BundleWriter.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace pqrt {
namespace test {

Json sampleManifest() {
  Json step = {
      {"batch", 0},
      {"heads", 8},
      {"kv_heads", 2},
      {"head_dim", 64},
      {"subspaces", 2},
      {"bits", 6},
      {"sink", 4},
      {"window", 8},
      {"heavy", 16},
      {"init_offset", 4},
      {"metric", "euclidean"},
      {"layout", "compact"},
      {"query_type", "bf16"},
      {"centroid_type", "f32"},
      {"weight_type", "bf16"},
      {"index_type", "i64"},
      {"quantize", true},
      {"max_seq_len", 4096},
  };
  Json params = Json::array();
  for (const char *name : {"query", "key", "centroids", "codes", "sparse_list",
                           "sparse_len", "weight_list"}) {
    params.push_back({{"name", name}, {"kind", "memref"}});
  }
  for (const char *name :
       {"seq_len", "num_cached", "key_capacity", "code_capacity"}) {
    params.push_back({{"name", name}, {"kind", "i64"}});
  }
  Json kernel = {{"name", "pq_row"},
                 {"grid", {2, "batch", 1}},
                 {"block", {256, 1, 1}},
                 {"smem", 16384},
                 {"cluster", {1, 1, 1}}};
  return {{"format", "pqmod"},
          {"version", 1},
          {"producer", "pq-compile"},
          {"entry", "sample"},
          {"step", step},
          {"strategy", "row"},
          {"workspace_bytes_per_batch", 0},
          {"params", params},
          {"kernels", Json::array({kernel})},
          {"images", Json::array()},
          {"content_hash", "fnv1a64:0000000000000000"}};
}

std::vector<TestImage> sampleImages() {
  return {
      {"sm_80", "ptx", ".version 8.0\n.target sm_80\n// kernels: pq_row\n"},
      {"sm_90", "ptx", ".version 8.0\n.target sm_90\n// kernels: pq_row\n"},
      {"sm_90", "cubin",
       std::string("\x7f"
                   "ELF",
                   4) +
           " cubin sm_90 pq_row"},
  };
}

uint64_t referenceFnv1a64(const std::string &bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char byte : bytes) {
    hash = (hash ^ byte) * 1099511628211ull;
  }
  return hash;
}

std::string hashText(const std::string &bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(referenceFnv1a64(bytes)));
  return std::string("fnv1a64:") + text;
}

std::vector<uint8_t> writeBundle(Json manifest,
                                 const std::vector<TestImage> &images,
                                 const WriteOptions &options) {
  std::string section;
  Json entries = Json::array();
  for (const TestImage &image : images) {
    entries.push_back({{"arch", image.arch},
                       {"format", image.format},
                       {"offset", section.size()},
                       {"size", image.bytes.size()}});
    section += image.bytes;
  }
  if (options.fillImages) {
    manifest["images"] = entries;
  }
  if (options.fillHash) {
    manifest["content_hash"] = hashText(section);
  }
  return rawBundle(manifest.dump(), section);
}

std::vector<uint8_t> rawBundle(const std::string &manifestText,
                               const std::string &section,
                               const std::string &magic) {
  std::vector<uint8_t> bytes(magic.begin(), magic.end());
  uint64_t length = manifestText.size();
  for (int i = 0; i < 8; ++i) {
    bytes.push_back(uint8_t(length >> (8 * i)));
  }
  bytes.insert(bytes.end(), manifestText.begin(), manifestText.end());
  bytes.insert(bytes.end(), section.begin(), section.end());
  return bytes;
}

std::string writeTempFile(const std::vector<uint8_t> &bytes,
                          const std::string &name) {
  const char *dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/pqrt-test-" +
                     std::to_string(getpid()) + "-" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            std::streamsize(bytes.size()));
  return path;
}

} // namespace test
} // namespace pqrt
