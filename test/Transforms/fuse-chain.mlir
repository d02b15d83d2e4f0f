// RUN: pq-opt %s --pq-fuse | FileCheck %s --implicit-check-not=pq.quantize --implicit-check-not=pq.score --implicit-check-not=pq.topk --implicit-check-not=pq.gen_indices

// The whole chain becomes one pq.indexer: query, centroids, codebook and
// layout from the score, key and count of cached codes from the quantize, tie
// rule from the topk, outputs from the gen_indices. Its result is the count
// the quantize returned.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @full_chain(
// CHECK-SAME:    %[[Q:.+]]: memref<?x4x1x8xbf16>, %[[K:.+]]: memref<?x2x?x8xbf16>, %[[C:.+]]: memref<?x2x2x4x4xf32>, %[[CODES:.+]]: memref<?x2x?x2xui8>, %[[NC:.+]]: index, %[[SK:.+]]: index, %[[L:.+]]: memref<?x4x?xi64>, %[[LEN:.+]]: memref<?x4xi64>, %[[W:.+]]: memref<?x4x?xbf16>)
// CHECK-NEXT:    %[[N:.+]] = pq.indexer query(%[[Q]] : memref<?x4x1x8xbf16>) key(%[[K]] : memref<?x2x?x8xbf16>) centroids(%[[C]] : memref<?x2x2x4x4xf32>) codes(%[[CODES]] : memref<?x2x?x2xui8>)[%[[NC]]] seq_len %[[SK]] outs(%[[L]], %[[LEN]], %[[W]] : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>) step #step layout compact tie lowest_index
// CHECK-NEXT:    return %[[N]] : index
func.func @full_chain(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) -> index {
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return %n : index
}
