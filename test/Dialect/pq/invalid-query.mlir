// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @sq(%q: memref<?x4x2x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{query: dimension 2 (sq) must be 1, got 2}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x2x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @sq_dynamic(%q: memref<?x4x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{query: dimension 2 (sq) must be 1, got ?}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x?x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @heads_dynamic(%q: memref<?x?x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{query: dimension 1 (heads) must be static}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x?x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @head_dim_dynamic(%q: memref<?x4x1x?xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{query: dimension 3 (head_dim) must be static}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x?xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}
