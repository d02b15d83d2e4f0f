// RUN: pq-opt %s -split-input-file --pq-fuse | FileCheck %s --implicit-check-not=pq.indexer

// Each op of the chain checks only its own operands, so static batch sizes
// linked only through dynamic ones can disagree. pq.indexer checks all of
// them together; rather than build an invalid op, the chain stays.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @query_vs_outputs
// CHECK:         pq.score
// CHECK:         pq.topk
// CHECK:         pq.gen_indices
func.func @query_vs_outputs(%q: memref<1x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<2x4x?xi64>, %len: memref<2x4xi64>, %w: memref<2x4x?xbf16>) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<1x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<2x4x?xi64>, memref<2x4xi64>, memref<2x4x?xbf16>
  return
}

// -----

// phi must hold batch * kv_heads * subspaces = 1 * 2 * 2 entries; only the
// query fixes the batch, so only the fused op would notice. The quantize
// stays and the rest fuses.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip>

// CHECK-LABEL: func.func @phi_vs_query_batch
// CHECK:         %[[N:.+]] = pq.quantize
// CHECK-NEXT:    %{{.+}} = pq.indexer query({{.+}}) centroids({{.+}}) codes({{.+}})[%[[N]]]
func.func @phi_vs_query_batch(%q: memref<1x4x1x8xf32>, %k: memref<?x2x?x8xf32>, %c: memref<?x2x2x4x5xf32>, %phi: memref<8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) {
  %n = pq.quantize %k, %c phi %phi into %codes[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xf32>, memref<?x2x2x4x5xf32>, memref<8xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<1x4x1x8xf32>, memref<?x2x2x4x5xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
  return
}
