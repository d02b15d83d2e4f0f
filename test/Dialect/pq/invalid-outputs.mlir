// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @list_heads(%h: memref<?x4x?xi32>, %sk: index, %l: memref<?x8x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  // expected-error @below {{sparse_list: dimension 1 (heads) must be 4, got 8}}
  pq.gen_indices %h seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x8x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return
}

// -----

func.func @len_heads(%h: memref<?x4x?xi32>, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x2xi64>, %w: memref<?x4x?xbf16>) {
  // expected-error @below {{sparse_len: dimension 1 (heads) must be 4, got 2}}
  pq.gen_indices %h seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x2xi64>, memref<?x4x?xbf16>
  return
}

// -----

func.func @weight_batch(%h: memref<1x4x?xi32>, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<2x4x?xbf16>) {
  // expected-error @below {{weight_list: dimension 0 (batch) must be 1, got 2}}
  pq.gen_indices %h seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> outs(%l, %len, %w) : memref<1x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<2x4x?xbf16>
  return
}

// -----

func.func @indexer_heads(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x6x?xbf16>) {
  // expected-error @below {{weight_list: dimension 1 (heads) must be 4, got 6}}
  %n = pq.indexer query(%q : memref<?x4x1x8xbf16>) centroids(%c : memref<?x2x2x4x4xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x6x?xbf16>) step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact tie lowest_index
  return
}
