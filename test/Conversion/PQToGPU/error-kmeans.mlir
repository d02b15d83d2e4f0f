// RUN: pq-opt %s --pq-fuse --pq-tile="target=sm_90" --convert-pq-to-gpu -verify-diagnostics

// The index build has no GPU lowering yet: a clear error, not a crash or a
// silently dropped op.

#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
func.func @build(%key: memref<?x8x?x128xbf16>, %init: memref<?x64xi64>, %sk: index, %t: index, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>) -> index {
  // expected-error @below {{convert-pq-to-gpu: 'pq.kmeans' (the index build) has no GPU lowering yet; build the index with pqrt_reference_build (docs/BUILD.md)}}
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<?x8x?x128xbf16>, memref<?x64xi64> -> memref<?x8x2x64x64xf32>, memref<?x8x?x2xui8>
  return %n : index
}
