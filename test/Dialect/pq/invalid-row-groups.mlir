// RUN: pq-opt %s -verify-diagnostics

// row_groups must divide the query group (32 heads over 8 kv heads: 4).
#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
func.func @three_of_four(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  // expected-error @below {{'pq.indexer' op tiling: row_groups 3 must divide the query group (heads / kv_heads = 4)}}
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 3>
  return %n : index
}
