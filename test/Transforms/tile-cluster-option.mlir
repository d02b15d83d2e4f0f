// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=4096 cluster-size=3" | FileCheck %s --check-prefix=Q3
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=4096 cluster-size=5" | FileCheck %s --check-prefix=Q5
// RUN: not pq-opt %s --pq-tile="target=sm_90 cluster-size=1" 2>&1 | FileCheck %s --check-prefix=SMALL
// RUN: not pq-opt %s --pq-tile="target=sm_90 cluster-size=17" 2>&1 | FileCheck %s --check-prefix=RANGE

// cluster-size fixes the CTAs per cluster, any size from 1 to 16, and makes
// the step a cluster even where pq-tile would not (here it picks row: 256
// keys per CTA of 16 are too few, tile-sm90.mlir). llama3_8b's shape at 4096
// tokens (tile-cluster-size.mlir has the formula) with Q = 3: chunks of
// 1328 keys, 704 reduced bins per CTA (2048 / 3 in whole warps), 75376
// bytes; Q = 5: 800 keys, 416 bins, 62320 bytes; both fit two CTAs of 256
// threads per SM. A size whose chunk does not fit is an error, not a
// fallback to split (one CTA would keep 4 rows of 130944 keys), and so is a
// size above 16.

#llama = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>

// Q3-LABEL: func.func @llama3_8b(
// Q3:         tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 3, max_seq_len = 4096, smem = 75376>
// Q5-LABEL: func.func @llama3_8b(
// Q5:         tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 5, max_seq_len = 4096, smem = 62320>
// SMALL: error: pq-tile: a cluster of 1 CTAs cannot keep this step's keys for max-seq-len 131072 in 232448 bytes of shared memory per CTA
// RANGE: error: pq-tile: cluster-size must be in [0, 16] (0: pq-tile chooses), got 17
func.func @llama3_8b(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}
