// RUN: pq-opt %s --pq-tile="max-seq-len=4096" | FileCheck %s --check-prefixes=CHECK,CHECK-4K
// RUN: pq-opt %s --pq-tile="max-seq-len=12288" | FileCheck %s --check-prefixes=CHECK,CHECK-12K
// RUN: pq-opt %s --pq-tile | FileCheck %s --check-prefixes=CHECK,CHECK-128K

// An sm_90 part whose pq.target says clusters = false gets the row/split
// choice of the other chips, with sm_90's sizes: llama3_8b's row kernel
// (16 * max_seq_len + 7600 bytes) fits 232448 bytes at 12288 tokens
// (204208; sm_80 splits there) and not at 131072, where the split score
// grid takes clamp(ceil(2 * 132 / 8), 1, 64) = 33 CTAs per row.

#llama = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>

// CHECK: #target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = false>
// CHECK-LABEL: func.func @llama3_8b(
// CHECK-4K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 73136>
// CHECK-12K: tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 12288, smem = 204208>
// CHECK-128K: tiling #pq.tiling<strategy = split, threads = 512, ctas_per_row = 33, max_seq_len = 131072, smem = 42928>
module attributes {pq.target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = false>} {
  func.func @llama3_8b(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
    %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout compact tie lowest_index
    return %n : index
  }
}
