// RUN: pq-opt %s --split-input-file --convert-pq-to-gpu -verify-diagnostics

// A build needs pq-tile's max_seq_len (its workspace and grid), and the GPU
// build clusters at most 256 centroids: clear errors, not a crash or a
// silently dropped op.

#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
func.func @build(%key: memref<?x8x?x128xbf16>, %init: memref<?x64xi64>, %sk: index, %t: index, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>) -> index {
  // expected-error @below {{convert-pq-to-gpu: pq.kmeans has no max_seq_len; run pq-tile first}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<?x8x?x128xbf16>, memref<?x64xi64> -> memref<?x8x2x64x64xf32>, memref<?x8x?x2xui8>
  return %n : index
}

// -----

#step = #pq.step<sink = 0, window = 0, heavy = 16, init_offset = 0, bits = 9, metric = euclidean>
module attributes {pq.target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>} {
func.func @wide(%key: memref<?x8x?x128xbf16>, %init: memref<?x512xi64>, %sk: index, %t: index, %c: memref<?x8x2x512x64xf32>, %codes: memref<?x?x8x2xi64>) -> index {
  // expected-error @below {{convert-pq-to-gpu: the GPU build clusters at most 2^8 centroids (bits <= 8), the step has bits = 9; build this index with pqrt_reference_build}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout seed outs(%c, %codes) {max_seq_len = 4096 : i64} : memref<?x8x?x128xbf16>, memref<?x512xi64> -> memref<?x8x2x512x64xf32>, memref<?x?x8x2xi64>
  return %n : index
}
}
