// RUN: pq-opt %s --pq-tile="max-seq-len=4096" | FileCheck %s

// Without --target, pq-tile reads the GPU from the module's pq.target. Here
// it is a custom part with only 64 KiB of shared memory: llama3_8b's row
// kernel (73104 bytes at 4096) does not fit, so it splits over
// ceil(2 * 20 / 8) = 5 CTAs per row of max_threads = 256 threads. An existing
// tiling is replaced.

#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>

// CHECK: #target = #pq.target<chip = "sm_86", sms = 20, smem = 65536, max_threads = 256, clusters = false>
// CHECK: module attributes {pq.target = #target}
// CHECK-LABEL: func.func @small_gpu
// CHECK: tiling #pq.tiling<strategy = split, threads = 256, ctas_per_row = 5, max_seq_len = 4096, smem = 42896>
module attributes {pq.target = #pq.target<chip = "sm_86", sms = 20, smem = 65536, max_threads = 256, clusters = false>} {
  func.func @small_gpu(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
    %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = row, threads = 1024, ctas_per_row = 1, max_seq_len = 1, smem = 0>
    return %n : index
  }
}
