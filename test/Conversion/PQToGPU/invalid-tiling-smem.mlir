// RUN: pq-opt %s --convert-pq-to-gpu -split-input-file -verify-diagnostics

// A hand-written tiling is checked against the target's shared memory.
module attributes {pq.target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>} {
  func.func @too_big(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) -> index {
    // expected-error @below {{convert-pq-to-gpu: tiling needs 800001488 bytes of shared memory, the target sm_80 has 166912}}
    %n = pq.indexer query(%q : memref<?x4x1x8xbf16>) centroids(%c : memref<?x2x2x4x4xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>) step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact tie lowest_index tiling #pq.tiling<strategy = row, threads = 256, ctas_per_row = 1, max_seq_len = 4096, smem = 800001488>
    return %n : index
  }
}
