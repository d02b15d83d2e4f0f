// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=74624" | FileCheck %s --check-prefixes=CHECK,FITS
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=74625" | FileCheck %s --check-prefixes=CHECK,SPLIT
// RUN: pq-opt %s --pq-tile="target=sm_90" | FileCheck %s --check-prefixes=CHECK,SPLIT-128K

// When not even the largest cluster (16 CTAs) fits, sm_90 falls back to
// row or split. qwen2_5_7b's group of 7 rows (4 kv heads, S = 4, C = 256)
// needs, at Q = 16 and 512 threads (planClusterKernel, see tile-sm90.mlir),
//   smem = 39664 + 62224 + 28 * chunk = 101888 + 28 * chunk
// which fits sm_90's 232448 bytes up to chunk = 4656 keys, that is
// max_seq_len - 128 <= 16 * 4656: max_seq_len <= 74624 (232256 bytes). One
// token more makes the chunk 4672 keys (232704 bytes). The row kernel, 7
// rows of every key, does not fit either, so the step splits over
// clamp(ceil(2 * 132 / 4), 1, 64) = 64 CTAs per row.

#qwen = #pq.step<sink = 128, window = 128, heavy = 2048, init_offset = 128, bits = 8, metric = ip>

// CHECK-LABEL: func.func @qwen2_5_7b(
// FITS: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 74624, smem = 232256>
// SPLIT: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 64, max_seq_len = 74625, smem = 39664>
// SPLIT-128K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 64, max_seq_len = 131072, smem = 39664>
func.func @qwen2_5_7b(%q: memref<?x28x1x128xf16>, %c: memref<?x4x4x256x33xf32>, %codes: memref<?x4x?x4xui8>, %nc: index, %sk: index, %l: memref<?x28x?xi32>, %len: memref<?x28xi64>, %w: memref<?x28x?xf16>) -> index {
  %n = pq.indexer query(%q : memref<?x28x1x128xf16>) centroids(%c : memref<?x4x4x256x33xf32>) codes(%codes : memref<?x4x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x28x?xi32>, memref<?x28xi64>, memref<?x28x?xf16>) step #qwen layout compact tie lowest_index
  return %n : index
}
