// RUN: pq-opt %s --pq-fuse | FileCheck %s --implicit-check-not=pq.quantize --implicit-check-not=pq.score --implicit-check-not=pq.topk --implicit-check-not=pq.gen_indices

// Two independent steps in one function (say, two layers) fuse separately,
// each keeping its own operands.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @two_layers(
// CHECK-SAME:    %[[Q:.+]]: memref<?x4x1x8xbf16>, %[[K0:.+]]: memref<?x2x?x8xbf16>, %[[K1:.+]]: memref<?x2x?x8xbf16>, %[[C:.+]]: memref<?x2x2x4x4xf32>, %[[CODES0:.+]]: memref<?x2x?x2xui8>, %[[CODES1:.+]]: memref<?x2x?x2xui8>, %[[NC:.+]]: index, %[[SK:.+]]: index, %[[L:.+]]: memref<?x4x?xi64>, %[[LEN:.+]]: memref<?x4xi64>, %[[W:.+]]: memref<?x4x?xbf16>)
// CHECK-NEXT:    %[[N0:.+]] = pq.indexer query(%[[Q]] : {{.+}}) key(%[[K0]] : {{.+}}) centroids(%[[C]] : {{.+}}) codes(%[[CODES0]] : {{.+}})[%[[NC]]] seq_len %[[SK]]
// CHECK-NEXT:    %[[N1:.+]] = pq.indexer query(%[[Q]] : {{.+}}) key(%[[K1]] : {{.+}}) centroids(%[[C]] : {{.+}}) codes(%[[CODES1]] : {{.+}})[%[[NC]]] seq_len %[[SK]]
// CHECK-NEXT:    return %[[N0]], %[[N1]] : index, index
func.func @two_layers(%q: memref<?x4x1x8xbf16>, %k0: memref<?x2x?x8xbf16>, %k1: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes0: memref<?x2x?x2xui8>, %codes1: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) -> (index, index) {
  %n0 = pq.quantize %k0, %c into %codes0[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s0 = pq.score %q, %c, %codes0[%n0] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h0 = pq.topk %s0 seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h0 seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  %n1 = pq.quantize %k1, %c into %codes1[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s1 = pq.score %q, %c, %codes1[%n1] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h1 = pq.topk %s1 seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h1 seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return %n0, %n1 : index, index
}
