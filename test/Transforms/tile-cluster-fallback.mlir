// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=65408" | FileCheck %s --check-prefixes=CHECK,L65408
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=65409" | FileCheck %s --check-prefixes=CHECK,L65409
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=74624" | FileCheck %s --check-prefixes=CHECK,L74624
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=74625" | FileCheck %s --check-prefixes=CHECK,L74625
// RUN: pq-opt %s --pq-tile="target=sm_90" | FileCheck %s --check-prefixes=CHECK,L131072

// When sm_90 does not pick `cluster`, it falls back to row or split.
//
// Too little work: a cluster needs chunks of at least kMinClusterChunk =
// 4096 keys per CTA at the size that fills the SMs (16 for 8 or 4 kv
// heads): ceil((max_seq_len - 128) / 16) rounded up to 16 reaches 4096 at
// max_seq_len = 65409, so both steps split at 65408 (row does not fit) and
// cluster one token later.
//
// Too many keys: qwen2_5_7b's group of 7 rows (4 kv heads, S = 4, C = 256)
// needs, at Q = 16 and 512 threads (planClusterKernel, see tile-sm90.mlir),
//   smem = 39664 + 62224 + 28 * chunk = 101888 + 28 * chunk
// which fits sm_90's 232448 bytes up to chunk = 4656 keys, that is
// max_seq_len - 128 <= 16 * 4656: max_seq_len <= 74624 (232256 bytes). One
// token more makes the chunk 4672 keys (232704 bytes); the row kernel, 7
// rows of every key, does not fit either, so the step splits over
// clamp(ceil(2 * 132 / 4), 1, 64) = 64 CTAs per row. llama3_8b's group of
// 4 still fits at 131072.

#llama = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
#qwen = #pq.step<sink = 128, window = 128, heavy = 2048, init_offset = 128, bits = 8, metric = ip>

// CHECK-LABEL: func.func @llama3_8b(
// L65408: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 33, max_seq_len = 65408, smem = 9648>
// L65409: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 65409, smem = 110448>
// L74624: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 74624, smem = 119696>
// L74625: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 74625, smem = 119952>
// L131072: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 131072, smem = 176272>
func.func @llama3_8b(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

// CHECK-LABEL: func.func @qwen2_5_7b(
// L65408: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 64, max_seq_len = 65408, smem = 39664>
// L65409: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 65409, smem = 216576>
// L74624: tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 74624, smem = 232256>
// L74625: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 64, max_seq_len = 74625, smem = 39664>
// L131072: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 64, max_seq_len = 131072, smem = 39664>
func.func @qwen2_5_7b(%q: memref<?x28x1x128xf16>, %c: memref<?x4x4x256x33xf32>, %codes: memref<?x4x?x4xui8>, %nc: index, %sk: index, %l: memref<?x28x?xi32>, %len: memref<?x28xi64>, %w: memref<?x28x?xf16>) -> index {
  %n = pq.indexer query(%q : memref<?x28x1x128xf16>) centroids(%c : memref<?x4x4x256x33xf32>) codes(%codes : memref<?x4x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x28x?xi32>, memref<?x28xi64>, memref<?x28x?xf16>) step #qwen layout compact tie lowest_index
  return %n : index
}
