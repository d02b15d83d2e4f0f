// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @count(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x8x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{centroids: dimension 3 (centroids) must be 2^bits = 4, got 8}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x8x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @divisible(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x3x4x4xf32>, %codes: memref<?x2x?x3xui8>, %n: index, %sk: index) {
  // expected-error @below {{centroids: head_dim 8 is not divisible by subspaces (dimension 2) 3}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xbf16>, memref<?x2x3x4x4xf32>, memref<?x2x?x3xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @width(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x5xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{centroids: dimension 4 (centroid_dim) must be head_dim / subspaces = 4, got 5}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x5xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @ip_width(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{centroids: dimension 4 (centroid_dim) must be head_dim / subspaces + 1 for metric ip = 5, got 4}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip> layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @static_dims(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x?x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{centroids: dimension 2 (subspaces) must be static}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xbf16>, memref<?x2x?x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}
