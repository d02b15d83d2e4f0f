// RUN: pq-opt %s --convert-pq-to-gpu -verify-diagnostics

// A pq.indexer without #pq.tiling cannot be laid out: pq-tile decides the
// strategy and shared-memory plan first.

#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>
module attributes {pq.target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>} {
  func.func @untiled(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    // expected-error @below {{convert-pq-to-gpu: pq.indexer has no tiling; run pq-tile first}}
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index
    return %n : index
  }
}
