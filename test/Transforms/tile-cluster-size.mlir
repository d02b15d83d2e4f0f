// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=65536" | FileCheck %s --check-prefixes=CHECK,CHECK-64K
// RUN: pq-opt %s --pq-tile="target=sm_90" | FileCheck %s --check-prefixes=CHECK,CHECK-128K

// The cluster size Q (ctas_per_row) of a `cluster` tiling on sm_90
// (132 SMs). pq-tile starts from enough clusters of Q CTAs to give every SM
// about one CTA at the module's batch (1 when dynamic): Q doubles from 1
// while 2 * Q * kv_heads * batch <= 132, up to 16. It then halves Q while a
// CTA's chunk (ceil((max_seq_len - 128) / Q) rounded up to 16 keys) holds
// fewer than kPreferredClusterChunk = 8000 keys, and doubles it again while
// the chunk does not fit in shared memory. For llama3_8b's shape (8 kv
// heads, group 4) the chunk rule and shared memory decide alone, so every
// batch gets the same Q: at 65536 tokens Q = 8 (8176 keys a chunk; Q = 4's
// four rows of 16352 keys would take 261632 bytes), 178064 bytes at 512
// threads; at 131072 Q = 16 (8192 keys), 176272 bytes at 512 threads. With
// w warps per CTA
//   smem = F + 16 * (2048 + 2048 / Q + 4 + 10 + 2 * w) + 16 * chunk
// (F = 9648 at 512 threads; tile-sm90.mlir explains the terms). Clusters of
// 16 CTAs at one CTA per SM are then split over row groups: two clusters
// of two rows each per (kv head, batch), 90752 bytes at 256 threads.

#llama = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>

// batch 1 (dynamic: decode at batch 1 is the latency-critical case)
// CHECK-LABEL: func.func @dynamic_batch(
// CHECK-64K: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 8, max_seq_len = 65536, smem = 178064>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
func.func @dynamic_batch(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

// 8 clusters: Q = 16 gives 128 CTAs
// CHECK-LABEL: func.func @batch1(
// CHECK-64K: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 8, max_seq_len = 65536, smem = 178064>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
func.func @batch1(%q: memref<1x32x1x128xbf16>, %c: memref<1x8x2x64x64xf32>, %codes: memref<1x8x?x2xui8>, %nc: index, %sk: index, %l: memref<1x32x?xi64>, %len: memref<1x32xi64>, %w: memref<1x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<1x32x1x128xbf16>) centroids(%c : memref<1x8x2x64x64xf32>) codes(%codes : memref<1x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<1x32x?xi64>, memref<1x32xi64>, memref<1x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

// 16 clusters: Q = 8 gives 128 CTAs
// CHECK-LABEL: func.func @batch2(
// CHECK-64K: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 8, max_seq_len = 65536, smem = 178064>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
func.func @batch2(%q: memref<2x32x1x128xbf16>, %c: memref<2x8x2x64x64xf32>, %codes: memref<2x8x?x2xui8>, %nc: index, %sk: index, %l: memref<2x32x?xi64>, %len: memref<2x32xi64>, %w: memref<2x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<2x32x1x128xbf16>) centroids(%c : memref<2x8x2x64x64xf32>) codes(%codes : memref<2x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<2x32x?xi64>, memref<2x32xi64>, memref<2x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

// 32 clusters: Q = 4 gives 128 CTAs, but its chunk does not fit
// CHECK-LABEL: func.func @batch4(
// CHECK-64K: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 8, max_seq_len = 65536, smem = 178064>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
func.func @batch4(%q: memref<4x32x1x128xbf16>, %c: memref<4x8x2x64x64xf32>, %codes: memref<4x8x?x2xui8>, %nc: index, %sk: index, %l: memref<4x32x?xi64>, %len: memref<4x32xi64>, %w: memref<4x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<4x32x1x128xbf16>) centroids(%c : memref<4x8x2x64x64xf32>) codes(%codes : memref<4x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<4x32x?xi64>, memref<4x32xi64>, memref<4x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

// 128 clusters: one CTA each, but its chunk does not fit
// CHECK-LABEL: func.func @batch16(
// CHECK-64K: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 8, max_seq_len = 65536, smem = 178064>
// CHECK-128K: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
func.func @batch16(%q: memref<16x32x1x128xbf16>, %c: memref<16x8x2x64x64xf32>, %codes: memref<16x8x?x2xui8>, %nc: index, %sk: index, %l: memref<16x32x?xi64>, %len: memref<16x32xi64>, %w: memref<16x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<16x32x1x128xbf16>) centroids(%c : memref<16x8x2x64x64xf32>) codes(%codes : memref<16x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<16x32x?xi64>, memref<16x32xi64>, memref<16x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}
