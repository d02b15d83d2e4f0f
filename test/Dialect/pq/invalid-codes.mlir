// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @compact_i64(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xi64>, %n: index, %sk: index) {
  // expected-error @below {{codes: layout compact needs ui8 codes [b, h_kv, n_max, S], got 'i64'}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xi64> -> memref<?x4x?xf32>
  return
}

// -----

func.func @seed_ui8(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x?x2x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{codes: layout seed needs i64 codes [b, n_max, h_kv, S], got 'ui8'}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout seed : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x?x2x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @bits(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x512x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{codes: ui8 codes hold at most 8 bits, the step has bits = 9}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 9, metric = euclidean> layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x512x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @seed_kv(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x4x2xi64>, %n: index, %sk: index) {
  // expected-error @below {{codes: dimension 2 (kv_heads) must be 2, got 4}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout seed : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x4x2xi64> -> memref<?x4x?xf32>
  return
}

// -----

func.func @subspaces(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x4xui8>, %n: index, %sk: index) {
  // expected-error @below {{codes: dimension 3 (subspaces) must be 2, got 4}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x4xui8> -> memref<?x4x?xf32>
  return
}
