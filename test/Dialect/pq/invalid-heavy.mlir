// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @static_k(%s: memref<?x4x?xf32>, %sk: index) {
  // expected-error @below {{heavy: dimension 2 (k) must be dynamic or heavy = 2, got 3}}
  %h = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie lowest_index : memref<?x4x?xf32> -> memref<?x4x3xi32>
  return
}

// -----

func.func @heads(%s: memref<?x4x?xf32>, %sk: index) {
  // expected-error @below {{heavy: dimension 1 (heads) must be 4, got 8}}
  %h = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie lowest_index : memref<?x4x?xf32> -> memref<?x8x?xi32>
  return
}

// -----

func.func @scores_heads(%s: memref<?x?x?xf32>, %sk: index) {
  // expected-error @below {{scores: dimension 1 (heads) must be static}}
  %h = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie lowest_index : memref<?x?x?xf32> -> memref<?x4x?xi32>
  return
}
