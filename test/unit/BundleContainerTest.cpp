//===- BundleContainerTest.cpp - The .pqmod byte layout -------------------===//
//
// Magic, lengths, truncation, JSON syntax and the content hash: every
// defect of the container is a BadModule status saying what is wrong, and no
// input crashes the parser.
//
//===----------------------------------------------------------------------===//

#include "BundleWriter.h"
#include "bundle/Bundle.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <dirent.h>

namespace pqrt {
namespace test {
namespace {

using bundle::Bundle;
using bundle::parseBundle;

Status parse(const std::vector<uint8_t> &bytes, Bundle &out) {
  return parseBundle(bytes.data(), bytes.size(), out);
}

Status parse(const std::vector<uint8_t> &bytes) {
  Bundle out;
  return parse(bytes, out);
}

#define EXPECT_BAD_MODULE(status, text)                                        \
  do {                                                                         \
    Status s_ = (status);                                                      \
    EXPECT_EQ(s_.code, StatusCode::BadModule) << s_.message;                   \
    EXPECT_NE(s_.message.find(text), std::string::npos) << s_.message;         \
  } while (0)

TEST(BundleContainer, ParsesTheSampleBundle) {
  Bundle b;
  Status status = parse(writeBundle(sampleManifest(), sampleImages()), b);
  ASSERT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(b.entry, "sample");
  EXPECT_EQ(b.producer, "pq-compile");
  EXPECT_EQ(b.staticBatch, 0);
  EXPECT_EQ(b.step.batch, 1);
  EXPECT_EQ(b.step.heads, 8);
  EXPECT_EQ(b.step.kvHeads, 2);
  EXPECT_EQ(b.step.headDim, 64);
  EXPECT_EQ(b.step.subspaces, 2);
  EXPECT_EQ(b.step.bits, 6);
  EXPECT_EQ(b.step.sink, 4);
  EXPECT_EQ(b.step.window, 8);
  EXPECT_EQ(b.step.heavy, 16);
  EXPECT_EQ(b.step.initOffset, 4);
  EXPECT_EQ(b.step.metric, Metric::Euclidean);
  EXPECT_EQ(b.step.layout, CodeLayout::Compact);
  EXPECT_EQ(b.step.queryType, ElementType::BF16);
  EXPECT_EQ(b.step.centroidType, ElementType::F32);
  EXPECT_EQ(b.step.weightType, ElementType::BF16);
  EXPECT_EQ(b.step.indexType, ElementType::I64);
  EXPECT_TRUE(b.quantize);
  EXPECT_EQ(b.maxSeqLen, 4096);
  EXPECT_EQ(b.strategy, bundle::Strategy::Row);
  EXPECT_EQ(b.params.size(), 11u);
  EXPECT_EQ(b.params[0], bundle::ParamName::Query);
  EXPECT_EQ(b.params[10], bundle::ParamName::CodeCapacity);
  ASSERT_EQ(b.kernels.size(), 1u);
  EXPECT_EQ(b.kernels[0].name, "pq_row");
  EXPECT_FALSE(b.kernels[0].grid[0].isBatch);
  EXPECT_EQ(b.kernels[0].grid[0].value, 2u);
  EXPECT_TRUE(b.kernels[0].grid[1].isBatch);
  EXPECT_EQ(b.kernels[0].block[0], 256u);
  EXPECT_EQ(b.kernels[0].smem, 16384u);
  EXPECT_FALSE(b.kernels[0].clustered());
  ASSERT_EQ(b.images.size(), 3u);
  EXPECT_EQ(b.images[2].arch, "sm_90");
  EXPECT_EQ(b.images[2].sm, 90);
  EXPECT_EQ(b.images[2].format, bundle::ImageFormat::Cubin);
  std::vector<TestImage> images = sampleImages();
  std::string loaded(reinterpret_cast<const char *>(b.imageData(b.images[1])),
                     b.images[1].size);
  EXPECT_EQ(loaded, images[1].bytes);
}

TEST(BundleContainer, HashMatchesTheIndependentWriter) {
  const std::string text = "hello, bundle";
  EXPECT_EQ(bundle::fnv1a64(text.data(), text.size()), referenceFnv1a64(text));
  EXPECT_EQ(bundle::formatContentHash(referenceFnv1a64("")),
            "fnv1a64:cbf29ce484222325");
}

TEST(BundleContainer, RejectsEmptyAndShortInput) {
  Bundle b;
  EXPECT_BAD_MODULE(parseBundle(nullptr, 0, b), "truncated");
  EXPECT_BAD_MODULE(parse(std::vector<uint8_t>()), "truncated");
  EXPECT_BAD_MODULE(parse(std::vector<uint8_t>{'P', 'Q'}), "16-byte header");
}

TEST(BundleContainer, RejectsWrongMagic) {
  EXPECT_BAD_MODULE(parse(rawBundle("{}", "", "PQMOD02\n")),
                    "not a .pqmod file");
  EXPECT_BAD_MODULE(parse(rawBundle("{}", "",
                                    "\x7f"
                                    "ELF\x02\x01\x01\x00")),
                    "magic");
}

TEST(BundleContainer, RejectsEveryTruncation) {
  std::vector<uint8_t> bytes = writeBundle(sampleManifest(), sampleImages());
  for (size_t size = 0; size < bytes.size(); ++size) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + size);
    Status status = parse(prefix);
    EXPECT_EQ(status.code, StatusCode::BadModule)
        << "prefix of " << size << " bytes: " << status.message;
  }
}

TEST(BundleContainer, RejectsManifestLengthBeyondTheFile) {
  std::vector<uint8_t> bytes = rawBundle("{}", "");
  bytes[8] = 0xff; // length 255 + 2 bytes really there
  EXPECT_BAD_MODULE(parse(bytes), "manifest length is 255 bytes but only 2");
  bytes[15] = 0xff; // a length near 2^64 must not wrap
  EXPECT_BAD_MODULE(parse(bytes), "truncated");
}

TEST(BundleContainer, RejectsInvalidJson) {
  EXPECT_BAD_MODULE(parse(rawBundle("{\"format\": ", "")),
                    "manifest is not valid JSON");
  EXPECT_BAD_MODULE(parse(rawBundle("", "")), "not valid JSON");
  EXPECT_BAD_MODULE(parse(rawBundle("{} trailing", "")), "not valid JSON");
  EXPECT_BAD_MODULE(parse(rawBundle("{\"a\": \"\xff\xfe\"}", "")),
                    "not valid JSON");
  EXPECT_BAD_MODULE(parse(rawBundle("[1, 2]", "")),
                    "manifest must be a JSON object");
  EXPECT_BAD_MODULE(parse(rawBundle(std::string(100000, '['), "")),
                    "not valid JSON");
}

TEST(BundleContainer, RejectsAHashThatDoesNotMatch) {
  Json manifest = sampleManifest();
  std::vector<uint8_t> good = writeBundle(manifest, sampleImages());
  std::vector<uint8_t> flipped = good;
  flipped.back() ^= 0x01; // inside the image section
  EXPECT_BAD_MODULE(parse(flipped), "content hash mismatch");

  std::vector<uint8_t> extra = good;
  extra.push_back(0); // trailing bytes belong to the hashed section
  EXPECT_BAD_MODULE(parse(extra), "content hash mismatch");
}

TEST(BundleContainer, RejectsAMalformedHash) {
  for (const char *hash :
       {"fnv1a64:0123", "fnv1a64:0123456789ABCDEF", "sha256:0123456789abcdef",
        "fnv1a64:0123456789abcdeg", "fnv1a64:0123456789abcdef0"}) {
    Json manifest = sampleManifest();
    manifest["content_hash"] = hash;
    EXPECT_BAD_MODULE(parse(writeBundle(manifest, sampleImages(),
                                        {/*fillImages=*/true,
                                         /*fillHash=*/false})),
                      "field 'content_hash' must be \"fnv1a64:\"");
  }
}

TEST(BundleContainer, ReadsFiles) {
  std::string path =
      writeTempFile(writeBundle(sampleManifest(), sampleImages()), "ok.pqmod");
  Bundle b;
  Status status = bundle::readBundleFile(path.c_str(), b);
  EXPECT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(b.entry, "sample");
  std::remove(path.c_str());

  std::vector<uint8_t> bytes = writeBundle(sampleManifest(), sampleImages());
  bytes.resize(bytes.size() / 2);
  path = writeTempFile(bytes, "half.pqmod");
  status = bundle::readBundleFile(path.c_str(), b);
  EXPECT_BAD_MODULE(status, path); // the message names the file
  std::remove(path.c_str());
}

TEST(BundleContainer, ReportsMissingFiles) {
  Bundle b;
  Status status = bundle::readBundleFile("/nonexistent/dir/x.pqmod", b);
  EXPECT_EQ(status.code, StatusCode::InvalidArgument);
  EXPECT_NE(status.message.find("cannot open '/nonexistent/dir/x.pqmod'"),
            std::string::npos)
      << status.message;
  EXPECT_EQ(bundle::readBundleFile(nullptr, b).code,
            StatusCode::InvalidArgument);
  // A directory opens but cannot be read.
  EXPECT_FALSE(bundle::readBundleFile("/tmp", b).ok());
}

TEST(BundleContainer, TheFuzzSeedsParse) {
  // The fuzzer's seeds must stay valid bundles, or it starts from nothing.
  DIR *dir = opendir(PQ_BUNDLE_CORPUS_DIR);
  ASSERT_NE(dir, nullptr) << PQ_BUNDLE_CORPUS_DIR;
  int seeds = 0;
  while (dirent *entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.size() < 6 || name.substr(name.size() - 6) != ".pqmod") {
      continue;
    }
    Bundle b;
    std::string path = std::string(PQ_BUNDLE_CORPUS_DIR) + "/" + name;
    Status status = bundle::readBundleFile(path.c_str(), b);
    EXPECT_TRUE(status.ok()) << status.message;
    ++seeds;
  }
  closedir(dir);
  EXPECT_GE(seeds, 4);
}

} // namespace
} // namespace test
} // namespace pqrt
