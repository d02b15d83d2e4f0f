// RUN: pq-opt %s -split-input-file --pq-fuse | FileCheck %s

// Other users of the quantize's count read the fused op's result, which is
// defined where the gen_indices was.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @count_used_after
// CHECK-NOT:     pq.quantize
// CHECK:         %[[N:.+]] = pq.indexer query({{.+}}) key({{.+}}) centroids({{.+}}) codes({{.+}})[%{{.+}}]
// CHECK-NEXT:    %[[NEXT:.+]] = arith.addi %[[N]], %[[N]] : index
// CHECK-NEXT:    return %[[N]], %[[NEXT]] : index, index
func.func @count_used_after(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) -> (index, index) {
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  %next = arith.addi %n, %n : index
  return %n, %next : index, index
}

// -----

// A user between the quantize and the gen_indices would precede the fused
// op's result: the quantize stays, and the rest fuses with its count as the
// number of codes already filled.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @count_used_before(
// CHECK-SAME:    %[[Q:.+]]: memref<?x4x1x8xbf16>, %[[K:.+]]: memref<?x2x?x8xbf16>, %[[C:.+]]: memref<?x2x2x4x4xf32>, %[[CODES:.+]]: memref<?x2x?x2xui8>, %[[NC:.+]]: index, %[[SK:.+]]: index,
// CHECK:         %[[N:.+]] = pq.quantize %[[K]], %[[C]] into %[[CODES]][%[[NC]]]
// CHECK-NEXT:    %[[NEXT:.+]] = arith.addi %[[N]], %[[N]] : index
// CHECK-NEXT:    %{{.+}} = pq.indexer query(%[[Q]] : memref<?x4x1x8xbf16>) centroids(%[[C]] : memref<?x2x2x4x4xf32>) codes(%[[CODES]] : memref<?x2x?x2xui8>)[%[[N]]] seq_len %[[SK]] outs(
// CHECK-NEXT:    return %[[N]], %[[NEXT]] : index, index
func.func @count_used_before(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) -> (index, index) {
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %next = arith.addi %n, %n : index
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return %n, %next : index, index
}
