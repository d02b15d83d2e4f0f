// RUN: pq-opt %s --convert-pq-to-gpu -verify-diagnostics

// A tiled pq.indexer written inside a nested module: the kernels and their
// launches belong to the top-level module (its gpu.container_module), so
// the pass names the module and stops, instead of leaving a launch that
// fails upstream's verifier.

#target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>
module attributes {pq.target = #target} {
  module @inner {
    func.func @nested(%q: memref<3x4x1x16xf32>, %c: memref<3x2x2x16x8xf32>, %codes: memref<3x2x?x2xui8>, %nc: index, %sk: index, %l: memref<3x4x?xi64>, %len: memref<3x4xi64>, %w: memref<3x4x?xf32>) -> index {
      // expected-error @below {{convert-pq-to-gpu: 'pq.indexer' inside a nested module (@inner) is not compiled: a bundle holds the steps of the top-level module; move its function there}}
      %n = pq.indexer query(%q : memref<3x4x1x16xf32>) centroids(%c : memref<3x2x2x16x8xf32>) codes(%codes : memref<3x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<3x4x?xi64>, memref<3x4xi64>, memref<3x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 2, max_seq_len = 1023, smem = 31104>
      return %n : index
    }
  }
}
