// RUN: pq-opt %s -split-input-file -verify-diagnostics

// pq.kmeans checks its types like the step's ops (shared checks), plus the
// initial indices [b * h_kv * S, C].

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
func.func @wrong_c(%key: memref<?x2x?x8xf32>, %init: memref<?x8xi64>, %sk: index, %t: index, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>) -> index {
  // expected-error @below {{'pq.kmeans' op initial: dimension 1 must be 2^bits = 4 (the C point indices of a group), got 8}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<?x2x?x8xf32>, memref<?x8xi64> -> memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8>
  return %n : index
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
func.func @wrong_groups(%key: memref<3x2x?x8xf32>, %init: memref<6x4xi64>, %sk: index, %t: index, %c: memref<3x2x2x4x4xf32>, %codes: memref<3x2x?x2xui8>) -> index {
  // expected-error @below {{'pq.kmeans' op initial: dimension 0 must be batch * kv_heads * subspaces = 12, got 6}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<3x2x?x8xf32>, memref<6x4xi64> -> memref<3x2x2x4x4xf32>, memref<3x2x?x2xui8>
  return %n : index
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
func.func @wrong_centroid_dim(%key: memref<?x2x?x8xf32>, %init: memref<?x4xi64>, %sk: index, %t: index, %c: memref<?x2x2x4x5xf32>, %codes: memref<?x2x?x2xui8>) -> index {
  // expected-error @below {{'pq.kmeans' op centroids: dimension 4 (centroid_dim) must be head_dim / subspaces = 4, got 5}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<?x2x?x8xf32>, memref<?x4xi64> -> memref<?x2x2x4x5xf32>, memref<?x2x?x2xui8>
  return %n : index
}

// -----

#ip = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip>
func.func @ip_without_phi(%key: memref<?x2x?x8xf32>, %init: memref<?x4xi64>, %sk: index, %t: index, %c: memref<?x2x2x4x5xf32>, %codes: memref<?x2x?x2xui8>) -> index {
  // expected-error @below {{'pq.kmeans' op phi: metric ip needs the ip2l2 phi operand}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #ip layout compact outs(%c, %codes) : memref<?x2x?x8xf32>, memref<?x4xi64> -> memref<?x2x2x4x5xf32>, memref<?x2x?x2xui8>
  return %n : index
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
func.func @kv_mismatch(%key: memref<?x4x?x8xf32>, %init: memref<?x4xi64>, %sk: index, %t: index, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>) -> index {
  // expected-error @below {{'pq.kmeans' op centroids: dimension 1 (kv_heads) must be 4}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<?x4x?x8xf32>, memref<?x4xi64> -> memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8>
  return %n : index
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
func.func @int_initial(%key: memref<?x2x?x8xf32>, %init: memref<?x4xi32>, %sk: index, %t: index, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>) -> index {
  // expected-error @below {{'pq.kmeans' op operand #1 must be 2D memref of 64-bit signless integer values}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<?x2x?x8xf32>, memref<?x4xi32> -> memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8>
  return %n : index
}
