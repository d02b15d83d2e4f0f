// RUN: pq-opt %s -split-input-file --pq-fuse | FileCheck %s

// A quantize joins only when it fills exactly what the score reads (its
// #pq.step is the score's, or the IR does not verify). Otherwise it stays and the score -> topk -> gen_indices part
// fuses alone, reading the quantize's count as the codes already filled.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @other_codebook(
// CHECK-SAME:    %{{.+}}: memref<?x4x1x8xbf16>, %{{.+}}: memref<?x2x?x8xbf16>, %{{.+}}: memref<?x2x2x4x4xf32>, %[[CODES:.+]]: memref<?x2x?x2xui8>, %[[OTHER:.+]]: memref<?x2x?x2xui8>, %[[NC:.+]]: index, %{{.+}}: index,
// CHECK:         %[[N:.+]] = pq.quantize %{{.+}}, %{{.+}} into %[[OTHER]][%[[NC]]]
// CHECK-NEXT:    pq.indexer query({{.+}}) centroids({{.+}}) codes(%[[CODES]] : memref<?x2x?x2xui8>)[%[[N]]]
func.func @other_codebook(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %other: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  %n = pq.quantize %k, %c into %other[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @other_centroids(
// CHECK-SAME:    %{{.+}}: memref<?x4x1x8xbf16>, %{{.+}}: memref<?x2x?x8xbf16>, %[[C:.+]]: memref<?x2x2x4x4xf32>, %[[C2:.+]]: memref<?x2x2x4x4xf32>, %[[CODES:.+]]: memref<?x2x?x2xui8>, %{{.+}}: index,
// CHECK:         %[[N:.+]] = pq.quantize %{{.+}}, %[[C2]] into %[[CODES]]
// CHECK-NEXT:    pq.indexer query({{.+}}) centroids(%[[C]] : memref<?x2x2x4x4xf32>) codes(%[[CODES]] : memref<?x2x?x2xui8>)[%[[N]]]
func.func @other_centroids(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %c2: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  %n = pq.quantize %k, %c2 into %codes[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return
}

// -----

// pq.indexer needs the key and the query in one element type.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @key_element_type
// CHECK:         %[[N:.+]] = pq.quantize
// CHECK-NEXT:    pq.indexer query({{.+}}) centroids({{.+}}) codes({{.+}})[%[[N]]]
func.func @key_element_type(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return
}
