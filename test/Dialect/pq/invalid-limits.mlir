// RUN: pq-opt %s -split-input-file -verify-diagnostics

// Static sizes beyond what libpqrt loads (pqrt_limits.h) do not verify:
// pq-compile would otherwise write a bundle the runtime refuses.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @heads(%s: memref<?x1073741824x?xf32>, %sk: index) {
  // expected-error @below {{scores: dimension 1 (heads) must be in [1, 65536] (PQRT_MAX_HEADS, the largest libpqrt loads), got 1073741824}}
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x1073741824x?xf32> -> memref<?x1073741824x?xi32>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @kv_heads(%k: memref<?x131072x?x8xbf16>, %c: memref<?x131072x2x4x4xf32>, %codes: memref<?x131072x?x2xui8>, %nc: index, %sk: index) {
  // expected-error @below {{key: dimension 1 (kv_heads) must be in [1, 65536] (PQRT_MAX_HEADS, the largest libpqrt loads), got 131072}}
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #step layout compact : memref<?x131072x?x8xbf16>, memref<?x131072x2x4x4xf32> into memref<?x131072x?x2xui8>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @head_dim(%q: memref<?x4x1x131072xbf16>, %c: memref<?x2x2x4x65536xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  // expected-error @below {{query: dimension 3 (head_dim) must be in [1, 65536] (PQRT_MAX_HEAD_DIM, the largest libpqrt loads), got 131072}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x131072xbf16>, memref<?x2x2x4x65536xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @batch(%s: memref<2097152x4x?xf32>, %sk: index) {
  // expected-error @below {{scores: dimension 0 (batch) must be in [1, 1048576] (PQRT_MAX_BATCH, the largest libpqrt loads), got 2097152}}
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<2097152x4x?xf32> -> memref<2097152x4x?xi32>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// A static batch of 0 would be written to the manifest as "batch": 0, which
// means a dynamic batch.
func.func @empty_batch(%s: memref<0x4x?xf32>, %sk: index) {
  // expected-error @below {{scores: dimension 0 (batch) must be in [1, 1048576]}}
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<0x4x?xf32> -> memref<0x4x?xi32>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @subspaces(%q: memref<?x4x1x65536xbf16>, %c: memref<?x2x131072x4x1xf32>, %codes: memref<?x2x?x131072xui8>, %n: index, %sk: index) {
  // expected-error @below {{centroids: dimension 2 (subspaces) must be in [1, 65536] (PQRT_MAX_HEAD_DIM, the largest libpqrt loads), got 131072}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x65536xbf16>, memref<?x2x131072x4x1xf32>, memref<?x2x?x131072xui8> -> memref<?x4x?xf32>
  return
}
