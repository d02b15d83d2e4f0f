// RUN: pq-opt %s --pq-fuse | FileCheck %s --implicit-check-not=pq.score --implicit-check-not=pq.topk --implicit-check-not=pq.gen_indices

// A chain that starts at the score fuses without key: the codebook already
// holds the codes, and the score's count becomes the fused op's num_cached.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip>

// CHECK-LABEL: func.func @score_topk_gen(
// CHECK-SAME:    %[[Q:.+]]: memref<?x4x1x8xf32>, %[[C:.+]]: memref<?x2x2x4x5xf32>, %[[CODES:.+]]: memref<?x?x2x2xi64>, %[[N:.+]]: index, %[[SK:.+]]: index, %[[L:.+]]: memref<?x4x?xi32>, %[[LEN:.+]]: memref<?x4xi64>, %[[W:.+]]: memref<?x4x?xf32>)
// CHECK-NEXT:    %{{.+}} = pq.indexer query(%[[Q]] : memref<?x4x1x8xf32>) centroids(%[[C]] : memref<?x2x2x4x5xf32>) codes(%[[CODES]] : memref<?x?x2x2xi64>)[%[[N]]] seq_len %[[SK]] outs(%[[L]], %[[LEN]], %[[W]] : memref<?x4x?xi32>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout seed tie lowest_index
// CHECK-NEXT:    return
func.func @score_topk_gen(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x5xf32>, %codes: memref<?x?x2x2xi64>, %n: index, %sk: index, %l: memref<?x4x?xi32>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout seed : memref<?x4x1x8xf32>, memref<?x2x2x4x5xf32>, memref<?x?x2x2xi64> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi64>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi64>, memref<?x4x?xi32>, memref<?x4xi64>, memref<?x4x?xf32>
  return
}
