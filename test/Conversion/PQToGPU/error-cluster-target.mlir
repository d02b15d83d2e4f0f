// RUN: pq-opt %s --convert-pq-to-gpu -split-input-file -verify-diagnostics

// A `cluster` tiling needs thread-block clusters: a hand-written one is
// refused on a target without them, sm_80 or an sm_90 whose pq.target says
// clusters = false.

#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>
module attributes {pq.target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>} {
  func.func @sm80(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    // expected-error @below {{convert-pq-to-gpu: strategy cluster needs a target with thread-block clusters (sm_90+), not sm_80}}
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 2, max_seq_len = 1023, smem = 31104>
    return %n : index
  }
}

// -----

#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>
module attributes {pq.target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = false>} {
  func.func @sm90_no_clusters(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    // expected-error @below {{convert-pq-to-gpu: strategy cluster needs a target with thread-block clusters (sm_90+), not sm_90}}
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 2, max_seq_len = 1023, smem = 31104>
    return %n : index
  }
}
