//===- KernelParamsTest.cpp - The kernel ABI of docs/BUNDLE.md ------------===//
//
// The exact 8-byte slots the kernels receive: memref = (ptr, ptr, 0, size,
// 1) with the element counts of the table in docs/BUNDLE.md, i64 = value,
// in the manifest's order; and the grid with "batch" resolved.
//
//===----------------------------------------------------------------------===//

#include "SampleBundle.h"
#include "indexer/Launch.h"

#include <gtest/gtest.h>

namespace pqrt {
namespace test {
namespace {

using indexer::BufferSizes;
using indexer::PackedParams;
using indexer::RunArgs;

uint64_t address(const void *p) { return reinterpret_cast<uintptr_t>(p); }

RunArgs sampleArgs(int64_t &cached) {
  RunArgs args;
  args.batch = 3;
  args.keyCapacity = 300;
  args.codeCapacity = 250;
  args.step.seqLen = 200;
  args.step.query = reinterpret_cast<void *>(0x1000);
  args.step.key = reinterpret_cast<void *>(0x2000);
  args.step.centroids = reinterpret_cast<void *>(0x3000);
  args.step.phi = reinterpret_cast<const float *>(0x4000);
  args.step.codebook = reinterpret_cast<void *>(0x5000);
  args.step.numCached = &cached;
  args.step.sparseList = reinterpret_cast<void *>(0x6000);
  args.step.sparseLen = reinterpret_cast<int64_t *>(0x7000);
  args.step.weightList = reinterpret_cast<void *>(0x8000);
  return args;
}

void expectMemref(const PackedParams &p, int at, uint64_t pointer,
                  int64_t elements) {
  EXPECT_EQ(p.values[at], pointer) << "slot " << at;
  EXPECT_EQ(p.values[at + 1], pointer) << "slot " << at + 1;
  EXPECT_EQ(p.values[at + 2], 0u) << "slot " << at + 2;
  EXPECT_EQ(p.values[at + 3], uint64_t(elements)) << "slot " << at + 3;
  EXPECT_EQ(p.values[at + 4], 1u) << "slot " << at + 4;
}

TEST(KernelParams, BufferSizesFollowTheTable) {
  bundle::Bundle b = sampleBundle();
  int64_t cached = 150;
  RunArgs args = sampleArgs(cached);
  BufferSizes s;
  ASSERT_TRUE(indexer::bufferSizes(b, args, s).ok());
  // b 3, h 8, h_kv 2, d 64, S 2, C 64, ds' 32; total = 4 + 16 + 8.
  EXPECT_EQ(s.query, 3 * 8 * 64);
  EXPECT_EQ(s.key, 3 * 2 * 300 * 64);
  EXPECT_EQ(s.centroids, 3 * 2 * 2 * 64 * 32);
  EXPECT_EQ(s.phi, 3 * 2 * 2);
  EXPECT_EQ(s.codes, 3 * 250 * 2 * 2);
  EXPECT_EQ(s.sparseList, 3 * 8 * 28);
  EXPECT_EQ(s.sparseLen, 3 * 8);
  EXPECT_EQ(s.weightList, 3 * 8 * 200);
  EXPECT_EQ(s.workspace, 0);

  bundle::Bundle ip = sampleBundle(makeInnerProduct);
  ASSERT_TRUE(indexer::bufferSizes(ip, args, s).ok());
  EXPECT_EQ(s.centroids, 3 * 2 * 2 * 64 * 33); // the augmented dimension

  args.step.seqLen = 60; // full attention: total = sk
  ASSERT_TRUE(indexer::bufferSizes(b, args, s).ok());
  EXPECT_EQ(s.sparseList, 3 * 8 * 60);
}

TEST(KernelParams, PacksTheSampleInManifestOrder) {
  bundle::Bundle b = sampleBundle();
  int64_t cached = 150;
  RunArgs args = sampleArgs(cached);
  BufferSizes s;
  ASSERT_TRUE(indexer::bufferSizes(b, args, s).ok());
  PackedParams p;
  indexer::packParams(b, args, s, 0, p);
  // query key centroids codes sparse_list sparse_len weight_list, then
  // seq_len num_cached key_capacity code_capacity.
  ASSERT_EQ(p.count, 7 * 5 + 4);
  expectMemref(p, 0, 0x1000, s.query);
  expectMemref(p, 5, 0x2000, s.key);
  expectMemref(p, 10, 0x3000, s.centroids);
  expectMemref(p, 15, 0x5000, s.codes);
  expectMemref(p, 20, 0x6000, s.sparseList);
  expectMemref(p, 25, 0x7000, s.sparseLen);
  expectMemref(p, 30, 0x8000, s.weightList);
  EXPECT_EQ(p.values[35], 200u);
  EXPECT_EQ(p.values[36], 150u);
  EXPECT_EQ(p.values[37], 300u);
  EXPECT_EQ(p.values[38], 250u);
  for (int i = 0; i < p.count; ++i) {
    EXPECT_EQ(p.pointers[i], &p.values[i]);
  }
}

TEST(KernelParams, PacksPhiAndWorkspaceWhereTheManifestPutsThem) {
  bundle::Bundle b = sampleBundle([](Json &m) {
    makeInnerProduct(m); // phi appended last
    m["workspace_bytes_per_batch"] = 1024;
    m["params"].insert(m["params"].begin(), Json::object({{"name", "workspace"},
                                                          {"kind", "memref"}}));
  });
  int64_t cached = 150;
  RunArgs args = sampleArgs(cached);
  BufferSizes s;
  ASSERT_TRUE(indexer::bufferSizes(b, args, s).ok());
  EXPECT_EQ(s.workspace, 3 * 1024 / 4);
  PackedParams p;
  indexer::packParams(b, args, s, 0xabc000, p);
  ASSERT_EQ(p.count, 9 * 5 + 4);
  expectMemref(p, 0, 0xabc000, 3 * 256);
  expectMemref(p, 5, 0x1000, s.query);
  expectMemref(p, 44, 0x4000, 3 * 2 * 2);
}

TEST(KernelParams, OnlyTheParamsTheModuleLists) {
  bundle::Bundle b = sampleBundle([](Json &m) {
    m["params"] = Json::array({{{"name", "num_cached"}, {"kind", "i64"}},
                               {{"name", "key"}, {"kind", "memref"}},
                               {{"name", "seq_len"}, {"kind", "i64"}}});
  });
  int64_t cached = 7;
  RunArgs args = sampleArgs(cached);
  BufferSizes s;
  ASSERT_TRUE(indexer::bufferSizes(b, args, s).ok());
  PackedParams p;
  indexer::packParams(b, args, s, 0, p);
  ASSERT_EQ(p.count, 7);
  EXPECT_EQ(p.values[0], 7u);
  expectMemref(p, 1, address(args.step.key), s.key);
  EXPECT_EQ(p.values[6], 200u);

  args.step.numCached = nullptr; // the full-attention path may omit it
  indexer::packParams(b, args, s, 0, p);
  EXPECT_EQ(p.values[0], 0u);
}

TEST(KernelParams, ResolvesBatchInTheGrid) {
  bundle::KernelSpec k;
  k.name = "k";
  k.grid = {bundle::GridDim{false, 8}, bundle::GridDim{true, 1},
            bundle::GridDim{false, 1}};
  std::array<uint32_t, 3> grid;
  ASSERT_TRUE(indexer::resolveGrid(k, 5, grid).ok());
  EXPECT_EQ(grid, (std::array<uint32_t, 3>{8, 5, 1}));
  EXPECT_FALSE(indexer::resolveGrid(k, 0, grid).ok());
  EXPECT_FALSE(indexer::resolveGrid(k, 65536, grid).ok());
  k.grid[0].isBatch = true;
  ASSERT_TRUE(indexer::resolveGrid(k, 65535, grid).ok());
  EXPECT_EQ(grid[0], 65535u);
  k.cluster = {2, 1, 1};
  EXPECT_FALSE(indexer::resolveGrid(k, 65535, grid).ok());
  EXPECT_TRUE(indexer::resolveGrid(k, 2, grid).ok());
}

} // namespace
} // namespace test
} // namespace pqrt
