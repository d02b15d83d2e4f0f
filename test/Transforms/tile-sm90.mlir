// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=4096" | FileCheck %s --check-prefixes=CHECK,CHECK-4K
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=32768" | FileCheck %s --check-prefixes=CHECK,CHECK-32K
// RUN: pq-opt %s --pq-tile="target=sm_90" | FileCheck %s --check-prefixes=CHECK,CHECK-128K

// pq-tile on sm_90 (132 SMs, 232448 bytes of shared memory per block,
// thread-block clusters) for the four examples' steps at several sequence
// bounds; CHECK-128K runs at the default bound, 131072.
//
// sm_90 picks `cluster` when a cluster's chunks hold enough keys and fit;
// otherwise row or split as on the other chips. The cluster size Q
// (ctas_per_row) doubles from 1 while 2 * Q * kv_heads <= 132, up to 16
// (16 for 8 or 4 kv heads, 4 for 32), then halves while a CTA's chunk,
// ceil(ceil((max_seq_len - 128) / Q) / 16) * 16 keys, holds fewer than
// kPreferredClusterChunk = 8000, and doubles again while it does not fit
// shared memory; with fewer than kMinClusterChunk = 4096 keys in a whole
// row there is no cluster:
//   4096:   3968 keys a row: every step uses row
//   32768:  Q = 4, 8160 keys a chunk, for all but qwen2_5_7b (seven rows
//           of 8160 keys alone take 228480 bytes)
//   131072: Q = 16, 8184 keys, for all but qwen2_5_7b, whose group of 7
//           does not fit; mha32_seed (32 kv heads) stays at Q = 4.
// A query group's rows are then split over row_groups clusters (the
// smallest divisor of the group whose CTAs run two per SM at 256 threads)
// when the whole group needs Q = 16 at 512 threads (the H200 places only 7
// such clusters at a time) or does not fit at all: llama3_8b and
// llama3_8b_long at 131072 take row_groups = 2 (two rows a CTA), qwen2_5_7b
// row_groups = 7 (one row a CTA; Q = 4 at 32768, Q = 8 at 131072), where it
// used to split.
// The numbers are the plans of include/pq/Utils/KernelPlan.h. With F the
// split score kernel's shared memory (queries, lookup tables, radix
// histogram, scalars, scan, quantize scratch): row = F + 4 * group * 3968
// at 4096; split = F with ctas_per_row = clamp(ceil(2 * 132 / kv_heads),
// 1, 64); cluster = F + E + 4 * group * chunk with
// E = 4 * group * (2048 bins + 2048 / Q reduced bins (whole warps of 32) +
// 4 exchange + 10 row + 2 * warps warp-total words), each region rounded up
// to 16 bytes, and 256 threads when that fits half an SM (228 KiB / 2 -
// 1 KiB = 115712 bytes: two CTAs per SM), else 512. At 512 threads:
//   llama3_8b       F =  9648, E = 35552
//   llama3_8b_long  F = 25840, E = 35552
//   mha32_seed      F =  6576, E = 10432 (256 threads: 6544, 10368)
//   qwen2_5_7b      F = 39664, E = 62224, and 39664 + 62224 + 28 * 8192 =
//                   331264 bytes at 131072, over 232448

// CHECK: #target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
// CHECK: module attributes {pq.target = #target}
#llama = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
#long = #pq.step<sink = 128, window = 128, heavy = 4096, init_offset = 128, bits = 8, metric = euclidean>
#mha = #pq.step<sink = 128, window = 128, heavy = 256, init_offset = 128, bits = 6, metric = euclidean>
#qwen = #pq.step<sink = 128, window = 128, heavy = 2048, init_offset = 128, bits = 8, metric = ip>

// group 4, S = 2, C = 64
// CHECK-LABEL: func.func @llama3_8b(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 73136>
// CHECK-32K: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 4, max_seq_len = 32768, smem = 181904>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
func.func @llama3_8b(%q: memref<?x32x1x128xbf16>, %k: memref<?x8x?x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) key(%k : memref<?x8x?x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

// group 4, S = 4, C = 256
// CHECK-LABEL: func.func @llama3_8b_long(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 89328>
// CHECK-32K: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 4, max_seq_len = 32768, smem = 198096>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 99776, row_groups = 2>
func.func @llama3_8b_long(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x4x256x32xf32>, %codes: memref<?x8x?x4xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xf32>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x4x256x32xf32>) codes(%codes : memref<?x8x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xf32>) step #long layout compact tie lowest_index
  return %n : index
}

// group 1 (32 kv heads), S = 2, C = 64
// CHECK-LABEL: func.func @mha32_seed(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 39856>
// CHECK-32K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 4, max_seq_len = 32768, smem = 49552>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 4, max_seq_len = 131072, smem = 147952>
func.func @mha32_seed(%q: memref<?x32x1x128xbf16>, %c: memref<?x32x2x64x64xf32>, %codes: memref<?x?x32x2xi64>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x32x2x64x64xf32>) codes(%codes : memref<?x?x32x2xi64>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #mha layout seed tie lowest_index
  return %n : index
}

// group 7 (4 kv heads), S = 4, C = 256
// CHECK-LABEL: func.func @qwen2_5_7b(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 150768>
// CHECK-32K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 4, max_seq_len = 32768, smem = 56144, row_groups = 7>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 8, max_seq_len = 131072, smem = 86800, row_groups = 7>
func.func @qwen2_5_7b(%q: memref<?x28x1x128xf16>, %c: memref<?x4x4x256x33xf32>, %codes: memref<?x4x?x4xui8>, %nc: index, %sk: index, %l: memref<?x28x?xi32>, %len: memref<?x28xi64>, %w: memref<?x28x?xf16>) -> index {
  %n = pq.indexer query(%q : memref<?x28x1x128xf16>) centroids(%c : memref<?x4x4x256x33xf32>) codes(%codes : memref<?x4x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x28x?xi32>, memref<?x28xi64>, memref<?x28x?xf16>) step #qwen layout compact tie lowest_index
  return %n : index
}
