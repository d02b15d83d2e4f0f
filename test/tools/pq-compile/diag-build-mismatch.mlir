// RUN: not pq-compile %s --target=sm_90 --max-seq-len=8192 -o %t.pqmod 2>&1 | FileCheck %s

// The index build of a bundle serves its step: a build of other centroids
// (bits 4 against the step's 6) would leave the step reading codes it never
// wrote. Rejected before any code is generated.

// CHECK: error: pq-compile: the index build 'build' does not match the step 'step' (batch, kv_heads, head_dim, subspaces, bits, init_offset, metric, layout, key/centroid/code types and max_seq_len must agree)

#step = #pq.step<sink = 16, window = 16, heavy = 64, init_offset = 16, bits = 6, metric = euclidean>
#other = #pq.step<sink = 16, window = 16, heavy = 64, init_offset = 16, bits = 4, metric = euclidean>
func.func @step(%q: memref<?x8x1x64xf32>, %key: memref<?x2x?x64xf32>, %c: memref<?x2x2x64x32xf32>, %codes: memref<?x2x?x2xui8>, %cached: index, %sk: index, %sl: memref<?x8x?xi64>, %sn: memref<?x8xi64>, %wl: memref<?x8x?xf32>) -> index {
  %n = pq.quantize %key, %c into %codes[%cached] seq_len %sk step #step layout compact : memref<?x2x?x64xf32>, memref<?x2x2x64x32xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x8x1x64xf32>, memref<?x2x2x64x32xf32>, memref<?x2x?x2xui8> -> memref<?x8x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x8x?xf32> -> memref<?x8x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%sl, %sn, %wl) : memref<?x8x?xi32>, memref<?x8x?xi64>, memref<?x8xi64>, memref<?x8x?xf32>
  return %n : index
}
func.func @build(%key: memref<?x2x?x64xf32>, %init: memref<?x16xi64>, %sk: index, %t: index, %c: memref<?x2x2x16x32xf32>, %codes: memref<?x2x?x2xui8>) -> index {
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #other layout compact outs(%c, %codes) : memref<?x2x?x64xf32>, memref<?x16xi64> -> memref<?x2x2x16x32xf32>, memref<?x2x?x2xui8>
  return %n : index
}
