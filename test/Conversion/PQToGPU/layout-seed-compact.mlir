// RUN: pq-opt %s -split-input-file --convert-pq-to-gpu | FileCheck %s

// The two codebook layouts reach the kernels as different code parameters:
// `seed` passes the i64 codes [b, n_max, h_kv, S] as they are (capacity from
// dim 1), `compact` passes the ui8 codes [b, h_kv, n_max, S] as i8 bytes
// (capacity from dim 2).

#target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>

// CHECK-LABEL: func.func @seed(
// CHECK-SAME:    %[[CODES:[^:]+]]: memref<?x?x2x2xi64>
// CHECK:         memref.collapse_shape %[[CODES]] {{\[\[}}0, 1, 2, 3]] : memref<?x?x2x2xi64> into memref<?xi64>
// CHECK-NOT:     unrealized_conversion_cast
// CHECK:         %[[ONE:.+]] = arith.constant 1 : index
// CHECK-NEXT:    %[[CAP:.+]] = memref.dim %[[CODES]], %[[ONE]] : memref<?x?x2x2xi64>
// CHECK-NEXT:    %[[CAP64:.+]] = arith.index_cast %[[CAP]] : index to i64
// CHECK:         gpu.launch_func @pq_kernels::@seed_row {{.+}} args({{.+}} : memref<?xi64>, {{.+}}, %[[CAP64]] : i64)
// CHECK:       gpu.func @seed_row(%{{.+}}: memref<?xf32>, %{{.+}}: memref<?xf32>, %{{.+}}: memref<?xi64>, %{{.+}}: memref<?xi64>,
// CHECK-SAME:    pq.layout = #pq<layout seed>
module attributes {pq.target = #target} {
  func.func @seed(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x?x2x2xi64>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x?x2x2xi64>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout seed tie lowest_index tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 1024, smem = 0>
    return %n : index
  }
}

// -----

#target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>

// CHECK-LABEL: func.func @compact(
// CHECK-SAME:    %[[CODES:[^:]+]]: memref<?x2x?x2xui8>
// CHECK:         memref.collapse_shape %[[CODES]] {{\[\[}}0, 1, 2, 3]] : memref<?x2x?x2xui8> into memref<?xui8>
// CHECK:         builtin.unrealized_conversion_cast %{{.+}} : memref<?xui8> to memref<?xi8>
// CHECK:         %[[TWO:.+]] = arith.constant 2 : index
// CHECK-NEXT:    %[[CAP:.+]] = memref.dim %[[CODES]], %[[TWO]] : memref<?x2x?x2xui8>
// CHECK-NEXT:    %[[CAP64:.+]] = arith.index_cast %[[CAP]] : index to i64
// CHECK:         gpu.launch_func @pq_kernels::@compact_row {{.+}} args({{.+}} : memref<?xi8>, {{.+}}, %[[CAP64]] : i64)
// CHECK:       gpu.func @compact_row(%{{.+}}: memref<?xf32>, %{{.+}}: memref<?xf32>, %{{.+}}: memref<?xi8>, %{{.+}}: memref<?xi64>,
// CHECK-SAME:    pq.layout = #pq<layout compact>
module attributes {pq.target = #target} {
  func.func @compact(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 1024, smem = 0>
    return %n : index
  }
}
