// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @ratio(%q: memref<?x6x1x8xbf16>, %c: memref<?x4x2x4x4xf32>, %codes: memref<?x4x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{heads 6 must be a multiple of kv_heads 4}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x6x1x8xbf16>, memref<?x4x2x4x4xf32>, memref<?x4x?x2xui8> -> memref<?x6x?xf32>
  return
}

// -----

func.func @more_kv_than_heads(%q: memref<?x2x1x8xbf16>, %c: memref<?x4x2x4x4xf32>, %codes: memref<?x4x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{heads 2 must be a multiple of kv_heads 4}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x2x1x8xbf16>, memref<?x4x2x4x4xf32>, memref<?x4x?x2xui8> -> memref<?x2x?xf32>
  return
}
