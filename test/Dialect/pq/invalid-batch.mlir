// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @centroids(%q: memref<2x4x1x8xbf16>, %c: memref<3x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{centroids: dimension 0 (batch) must be 2, got 3}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<2x4x1x8xbf16>, memref<3x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @codes(%q: memref<2x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<1x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{codes: dimension 0 (batch) must be 2, got 1}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<2x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<1x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @scores(%q: memref<2x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{scores: dimension 0 (batch) must be 2, got 4}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<2x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<4x4x?xf32>
  return
}
