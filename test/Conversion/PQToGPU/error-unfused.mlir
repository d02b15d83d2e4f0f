// RUN: pq-opt %s -split-input-file --pq-fuse --pq-tile="target=sm_90 max-seq-len=4096" --convert-pq-to-gpu -verify-diagnostics

// Only fused steps lower: scores with a second use keep the chain apart, and
// the first unfused op is reported.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @scores_escape(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> memref<?x4x?xf32> {
  // expected-error @below {{convert-pq-to-gpu: 'pq.score' was not fused into a pq.indexer (an intermediate has other uses); only fused steps lower to GPU}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
  return %s : memref<?x4x?xf32>
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// A lone topk (no score feeding it) has nothing to fuse with.
func.func @lone_topk(%s: memref<?x4x?xf32>, %sk: index) -> memref<?x4x?xi32> {
  // expected-error @below {{convert-pq-to-gpu: 'pq.topk' was not fused into a pq.indexer}}
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  return %h : memref<?x4x?xi32>
}
