// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=4208" | FileCheck %s --check-prefixes=CHECK,L4208
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=4209" | FileCheck %s --check-prefixes=CHECK,L4209
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=74624" | FileCheck %s --check-prefixes=CHECK,L74624
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=74625" | FileCheck %s --check-prefixes=CHECK,L74625
// RUN: pq-opt %s --pq-tile="target=sm_90" | FileCheck %s --check-prefixes=CHECK,L131072

// When sm_90 does not pick `cluster`, it falls back to row or split.
//
// Too little work: a cluster CTA has a long fixed latency, so pq-tile first
// drops CTAs while a chunk would hold fewer than kPreferredClusterChunk =
// 8000 keys, and takes no cluster at all when even one CTA's chunk (the
// whole row, rounded up to 16) holds fewer than kMinClusterChunk = 4096:
// max_seq_len - 128 <= 4080 at 4208, so llama3_8b (8 kv heads, group 4)
// stays `row` there and becomes a cluster of one CTA a token later.
// qwen2_5_7b's `row` plan still fits at 4209 and wins there for the same
// reason its cluster chunk is short.
//
// Too many keys: qwen2_5_7b's group of 7 rows (4 kv heads, S = 4, C = 256)
// needs, at Q = 16 and 512 threads (planClusterKernel, see tile-sm90.mlir),
//   smem = 101888 + 28 * chunk
// which fits sm_90's 232448 bytes up to chunk = 4656 keys, that is
// max_seq_len - 128 <= 16 * 4656: max_seq_len <= 74624. Up to there the
// whole group fits 16-CTA clusters at 512 threads, which run one per SM (the
// H200 places only 7 at a time), so pq-tile splits the group over
// row_groups = 7 clusters of one row each, whose CTAs run two per SM (Q = 4,
// 18640 keys a chunk). One token more and no whole-group cluster fits; the
// row kernel, 7 rows of every key, does not fit either, and rather than
// split (a workspace and two launches) the same row groups serve it, up to
// 131072 (Q = 8). llama3_8b's group of 4 clusters at 131072 in two row
// groups of two rows.

#llama = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
#qwen = #pq.step<sink = 128, window = 128, heavy = 2048, init_offset = 128, bits = 8, metric = ip>

// CHECK-LABEL: func.func @llama3_8b(
// L4208: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4208, smem = 74928>
// L4209: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 1, max_seq_len = 4209, smem = 141456>
// L74624: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 8, max_seq_len = 74624, smem = 196240>
// L74625: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 8, max_seq_len = 74625, smem = 196496>
// L131072: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
func.func @llama3_8b(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

// CHECK-LABEL: func.func @qwen2_5_7b(
// L4208: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4208, smem = 153904>
// L4209: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4209, smem = 154016>
// L74624: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 4, max_seq_len = 74624, smem = 96848, row_groups = 7>
// L74625: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 4, max_seq_len = 74625, smem = 96912, row_groups = 7>
// L131072: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 8, max_seq_len = 131072, smem = 86800, row_groups = 7>
func.func @qwen2_5_7b(%q: memref<?x28x1x128xf16>, %c: memref<?x4x4x256x33xf32>, %codes: memref<?x4x?x4xui8>, %nc: index, %sk: index, %l: memref<?x28x?xi32>, %len: memref<?x28xi64>, %w: memref<?x28x?xf16>) -> index {
  %n = pq.indexer query(%q : memref<?x28x1x128xf16>) centroids(%c : memref<?x4x4x256x33xf32>) codes(%codes : memref<?x4x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x28x?xi32>, memref<?x28xi64>, memref<?x28x?xf16>) step #qwen layout compact tie lowest_index
  return %n : index
}
