//===- BundleArchTest.cpp - Choosing the image for a device ---------------===//
//
// selectImage is pure, so every rule of docs/BUNDLE.md is tested here
// without a GPU: exact cubin first, else the newest PTX not above the
// device, arch-specific builds only on their own sm, else a clear error.
//
//===----------------------------------------------------------------------===//

#include "bundle/Bundle.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

using bundle::Bundle;
using bundle::ImageFormat;
using bundle::ImageSpec;

Bundle
withImages(std::initializer_list<std::pair<const char *, ImageFormat>> images) {
  Bundle b;
  b.entry = "m";
  for (const auto &image : images) {
    ImageSpec spec;
    spec.arch = image.first;
    EXPECT_TRUE(bundle::parseArch(spec.arch, spec.sm, spec.archSpecific))
        << spec.arch;
    spec.format = image.second;
    b.images.push_back(spec);
  }
  return b;
}

/// The arch and format picked for `sm`, or "none".
std::string pick(const Bundle &b, int sm) {
  size_t index = 0;
  Status status = bundle::selectImage(b, sm, index);
  if (!status.ok()) {
    EXPECT_EQ(status.code, StatusCode::Unsupported);
    return "none";
  }
  return b.images[index].arch +
         (b.images[index].format == ImageFormat::Ptx ? " ptx" : " cubin");
}

constexpr ImageFormat Ptx = ImageFormat::Ptx;
constexpr ImageFormat Cubin = ImageFormat::Cubin;

TEST(BundleArch, ParsesArchNames) {
  int sm = 0;
  bool specific = false;
  ASSERT_TRUE(bundle::parseArch("sm_90", sm, specific));
  EXPECT_EQ(sm, 90);
  EXPECT_FALSE(specific);
  ASSERT_TRUE(bundle::parseArch("sm_90a", sm, specific));
  EXPECT_EQ(sm, 90);
  EXPECT_TRUE(specific);
  ASSERT_TRUE(bundle::parseArch("sm_100f", sm, specific));
  EXPECT_EQ(sm, 100);
  EXPECT_TRUE(specific);
  ASSERT_TRUE(bundle::parseArch("sm_120", sm, specific));
  EXPECT_EQ(sm, 120);
  for (const char *bad :
       {"", "sm_", "sm_9", "sm_90b", "sm_9a0", "SM_90", "compute_90", "sm_-90",
        "sm_12345", "sm_00", "sm_90aa", "sm_ 90"}) {
    EXPECT_FALSE(bundle::parseArch(bad, sm, specific)) << bad;
  }
  EXPECT_EQ(bundle::smOf(9, 0), 90);
  EXPECT_EQ(bundle::smOf(12, 1), 121);
}

TEST(BundleArch, PrefersTheExactCubin) {
  Bundle b = withImages(
      {{"sm_80", Ptx}, {"sm_90", Ptx}, {"sm_90", Cubin}, {"sm_80", Cubin}});
  EXPECT_EQ(pick(b, 90), "sm_90 cubin");
  EXPECT_EQ(pick(b, 80), "sm_80 cubin");
}

TEST(BundleArch, FallsBackToTheNewestPtxNotAboveTheDevice) {
  Bundle b = withImages({{"sm_80", Ptx}, {"sm_90", Ptx}, {"sm_90", Cubin}});
  EXPECT_EQ(pick(b, 86), "sm_80 ptx"); // no sm_86 cubin; sm_90 is too new
  EXPECT_EQ(pick(b, 89), "sm_80 ptx");
  EXPECT_EQ(pick(b, 100), "sm_90 ptx"); // JIT forward; sm_90 cubin not used
  EXPECT_EQ(pick(b, 120), "sm_90 ptx");
  EXPECT_EQ(pick(b, 75), "none");
}

TEST(BundleArch, ComparesArchsAsNumbers) {
  Bundle b = withImages({{"sm_100", Ptx}, {"sm_90", Ptx}});
  EXPECT_EQ(pick(b, 120), "sm_100 ptx");
  EXPECT_EQ(pick(b, 100), "sm_100 ptx");
  EXPECT_EQ(pick(b, 90), "sm_90 ptx");
}

TEST(BundleArch, CubinsNeverRunOnAnotherSm) {
  Bundle b = withImages({{"sm_80", Cubin}, {"sm_90", Cubin}});
  EXPECT_EQ(pick(b, 86), "none");
  EXPECT_EQ(pick(b, 100), "none");
}

TEST(BundleArch, ArchSpecificImagesOnlyOnTheirSm) {
  Bundle b = withImages({{"sm_90a", Ptx}, {"sm_80", Ptx}});
  EXPECT_EQ(pick(b, 90), "sm_90a ptx");
  EXPECT_EQ(pick(b, 100), "sm_80 ptx"); // sm_90a PTX does not JIT forward
  Bundle both = withImages({{"sm_90", Cubin}, {"sm_90a", Cubin}});
  EXPECT_EQ(pick(both, 90), "sm_90a cubin");
  Bundle onlyA = withImages({{"sm_90a", Cubin}});
  EXPECT_EQ(pick(onlyA, 90), "sm_90a cubin");
  EXPECT_EQ(pick(onlyA, 100), "none");
}

TEST(BundleArch, TheErrorNamesWhatTheBundleHas) {
  Bundle b = withImages({{"sm_90", Ptx}, {"sm_90", Cubin}});
  b.entry = "llama3_8b";
  size_t index = 0;
  Status status = bundle::selectImage(b, 80, index);
  EXPECT_EQ(status.code, StatusCode::Unsupported);
  EXPECT_EQ(status.message,
            "bundle: module 'llama3_8b' has no image for sm_80: it has sm_90 "
            "ptx, sm_90 cubin; recompile with --target=sm_80");
}

} // namespace
} // namespace test
} // namespace pqrt
