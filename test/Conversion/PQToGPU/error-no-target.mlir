// RUN: pq-opt %s --convert-pq-to-gpu -verify-diagnostics

// A tiled step still needs the module's pq.target: it names the chip of the
// gpu.module's #nvvm.target.

#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>
// expected-error @below {{convert-pq-to-gpu: the module has no pq.target attribute; run pq-tile --target=... first}}
module {
  func.func @no_target(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 1024, smem = 0>
    return %n : index
  }
}
