// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @missing(%k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x5xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index) {
  // expected-error @below {{phi: metric ip needs the ip2l2 phi operand}}
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip> layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x5xf32> into memref<?x2x?x2xui8>
  return
}

// -----

func.func @euclidean(%k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %phi: memref<?xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index) {
  // expected-error @below {{phi: only metric ip takes phi, the step's metric is euclidean}}
  %n = pq.quantize %k, %c phi %phi into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32>, memref<?xf32> into memref<?x2x?x2xui8>
  return
}

// -----

func.func @size(%k: memref<3x2x?x8xbf16>, %c: memref<3x2x2x4x5xf32>, %phi: memref<4xf32>, %codes: memref<3x2x?x2xui8>, %nc: index, %sk: index) {
  // expected-error @below {{phi: dimension 0 must be batch * kv_heads * subspaces = 12, got 4}}
  %n = pq.quantize %k, %c phi %phi into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip> layout compact : memref<3x2x?x8xbf16>, memref<3x2x2x4x5xf32>, memref<4xf32> into memref<3x2x?x2xui8>
  return
}

// -----

func.func @without_key(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x5xf32>, %phi: memref<?xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  // expected-error @below {{phi: only used to quantize keys, but the step has no key operand}}
  %n = pq.indexer query(%q : memref<?x4x1x8xbf16>) centroids(%c : memref<?x2x2x4x5xf32>) phi(%phi : memref<?xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>) step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip> layout compact tie lowest_index
  return
}
