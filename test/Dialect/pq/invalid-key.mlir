// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @kv_dynamic(%k: memref<?x?x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index) {
  // expected-error @below {{key: dimension 1 (kv_heads) must be static}}
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x?x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  return
}

// -----

func.func @kv_mismatch(%k: memref<?x3x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index) {
  // expected-error @below {{centroids: dimension 1 (kv_heads) must be 3, got 2}}
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x3x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  return
}

// -----

func.func @key_vs_query(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  // expected-error @below {{key: element type must match the query's 'bf16', got 'f32'}}
  %n = pq.indexer query(%q : memref<?x4x1x8xbf16>) key(%k : memref<?x2x?x8xf32>) centroids(%c : memref<?x2x2x4x4xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>) step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact tie lowest_index
  return
}

// -----

func.func @head_dim(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x16xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  // expected-error @below {{key: dimension 3 (head_dim) must be 8, got 16}}
  %n = pq.indexer query(%q : memref<?x4x1x8xbf16>) key(%k : memref<?x2x?x16xbf16>) centroids(%c : memref<?x2x2x4x4xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>) step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact tie lowest_index
  return
}
