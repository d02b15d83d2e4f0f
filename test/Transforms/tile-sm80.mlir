// RUN: pq-opt %s --pq-tile="target=sm_80 max-seq-len=4096" | FileCheck %s --check-prefixes=CHECK,CHECK-4K
// RUN: pq-opt %s --pq-tile="target=sm_80 max-seq-len=12288" | FileCheck %s --check-prefixes=CHECK,CHECK-12K
// RUN: pq-opt %s --pq-tile="target=sm_80 max-seq-len=16384" | FileCheck %s --check-prefixes=CHECK,CHECK-16K
// RUN: pq-opt %s --pq-tile="target=sm_80" | FileCheck %s --check-prefixes=CHECK,CHECK-128K

// pq-tile on sm_80 (108 SMs, 166912 bytes of shared memory per block)
// for the four examples' steps at several sequence bounds. The numbers are
// planRowKernel / planSplitScoreKernel / planSplitSelectKernel of
// include/pq/Utils/KernelPlan.h at 512 threads; split uses
// ctas_per_row = clamp(ceil(2 * 108 / kv_heads), 1, 64). CHECK-128K runs
// at the default bound, 131072.
//
// llama3_8b's row kernel needs 16 * max_seq_len + 7600 bytes (four query
// rows of 4-byte keys, less the 128 unindexed ones, plus the split score
// kernel's 9648): at 12288 that is 204208, over sm_80's 166912, so
// sm_80 splits where the row kernel still fits sm_90's 232448
// (tile-no-clusters.mlir).

// CHECK: #target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>
// CHECK: module attributes {pq.target = #target}
#llama = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
#long = #pq.step<sink = 128, window = 128, heavy = 4096, init_offset = 128, bits = 8, metric = euclidean>
#mha = #pq.step<sink = 128, window = 128, heavy = 256, init_offset = 128, bits = 6, metric = euclidean>
#qwen = #pq.step<sink = 128, window = 128, heavy = 2048, init_offset = 128, bits = 8, metric = ip>

// group 4, S = 2, C = 64
// CHECK-LABEL: func.func @llama3_8b(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 73136>
// CHECK-12K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 27, max_seq_len = 12288, smem = 42928>
// CHECK-16K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 27, max_seq_len = 16384, smem = 42928>
// CHECK-128K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 27, max_seq_len = 131072, smem = 42928>
func.func @llama3_8b(%q: memref<?x32x1x128xbf16>, %k: memref<?x8x?x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) key(%k : memref<?x8x?x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

// group 4, S = 4, C = 256
// CHECK-LABEL: func.func @llama3_8b_long(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 89328>
// CHECK-12K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 27, max_seq_len = 12288, smem = 63856>
// CHECK-16K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 27, max_seq_len = 16384, smem = 63856>
// CHECK-128K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 27, max_seq_len = 131072, smem = 63856>
func.func @llama3_8b_long(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x4x256x32xf32>, %codes: memref<?x8x?x4xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xf32>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x4x256x32xf32>) codes(%codes : memref<?x8x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xf32>) step #long layout compact tie lowest_index
  return %n : index
}

// group 1 (32 kv heads), S = 2, C = 64
// CHECK-LABEL: func.func @mha32_seed(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 39856>
// CHECK-12K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 12288, smem = 55216>
// CHECK-16K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 16384, smem = 71600>
// CHECK-128K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 7, max_seq_len = 131072, smem = 39856>
func.func @mha32_seed(%q: memref<?x32x1x128xbf16>, %c: memref<?x32x2x64x64xf32>, %codes: memref<?x?x32x2xi64>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x32x2x64x64xf32>) codes(%codes : memref<?x?x32x2xi64>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #mha layout seed tie lowest_index
  return %n : index
}

// group 7 (4 kv heads), S = 4, C = 256
// CHECK-LABEL: func.func @qwen2_5_7b(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 150768>
// CHECK-12K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 54, max_seq_len = 12288, smem = 77680>
// CHECK-16K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 54, max_seq_len = 16384, smem = 77680>
// CHECK-128K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 54, max_seq_len = 131072, smem = 77680>
func.func @qwen2_5_7b(%q: memref<?x28x1x128xf16>, %c: memref<?x4x4x256x33xf32>, %codes: memref<?x4x?x4xui8>, %nc: index, %sk: index, %l: memref<?x28x?xi32>, %len: memref<?x28xi64>, %w: memref<?x28x?xf16>) -> index {
  %n = pq.indexer query(%q : memref<?x28x1x128xf16>) centroids(%c : memref<?x4x4x256x33xf32>) codes(%codes : memref<?x4x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x28x?xi32>, memref<?x28xi64>, memref<?x28x?xf16>) step #qwen layout compact tie lowest_index
  return %n : index
}
