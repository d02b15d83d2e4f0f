// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @query_int(%q: memref<?x4x1x8xi32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{operand #0 must be 4D memref of bfloat16 type or 16-bit float or 32-bit float values}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xi32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @centroids_f16(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf16>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{operand #1 must be 5D memref of bfloat16 type or 32-bit float values}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf16>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

func.func @weights_i8(%h: memref<?x4x?xi32>, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xi8>) {
  // expected-error @below {{operand #4 must be 3D memref of bfloat16 type or 16-bit float or 32-bit float values}}
  pq.gen_indices %h seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xi8>
  return
}

// -----

func.func @len_i32(%h: memref<?x4x?xi32>, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi32>, %w: memref<?x4x?xf32>) {
  // expected-error @below {{operand #3 must be 2D memref of 64-bit signless integer values}}
  pq.gen_indices %h seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi32>, memref<?x4x?xf32>
  return
}

// -----

func.func @scores_f16(%s: memref<?x4x?xf16>, %sk: index) {
  // expected-error @below {{operand #0 must be 3D memref of 32-bit float values}}
  %h = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie lowest_index : memref<?x4x?xf16> -> memref<?x4x?xi32>
  return
}
