// RUN: pq-opt %s --convert-pq-to-gpu | FileCheck %s --implicit-check-not=pq.indexer

// A step without key quantizes nothing: the kernel has no `key` parameter,
// its key_capacity argument is 0, and the step's result is num_cached as
// given (the codebook already holds the codes).

#target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>

module attributes {pq.target = #target} {
  // CHECK-LABEL: func.func @keyless(
  // CHECK-SAME:    %{{[^:]+}}: memref<?x8x1x64xf16>, %{{[^:]+}}: memref<?x2x2x16x32xf32>, %{{[^:]+}}: memref<?x2x?x2xui8>, %[[NC:[^:]+]]: index,
  // CHECK:         arith.index_cast %[[NC]] : index to i64
  // CHECK-NEXT:    %[[ZERO:.+]] = arith.constant 0 : index
  // CHECK-NEXT:    %[[KCAP:.+]] = arith.index_cast %[[ZERO]] : index to i64
  // CHECK:         gpu.launch_func @pq_kernels::@keyless_row
  // CHECK-SAME:      args(%{{.+}} : memref<?xf16>, %{{.+}} : memref<?xf32>, %{{.+}} : memref<?xi8>, %{{.+}} : memref<?xi32>, %{{.+}} : memref<?xi64>, %{{.+}} : memref<?xf16>, %{{.+}} : i64, %{{.+}} : i64, %[[KCAP]] : i64, %{{.+}} : i64)
  // CHECK-NEXT:    return %[[NC]] : index
  func.func @keyless(%q: memref<?x8x1x64xf16>, %c: memref<?x2x2x16x32xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x8x?xi32>, %len: memref<?x8xi64>, %w: memref<?x8x?xf16>) -> index {
    %n = pq.indexer query(%q : memref<?x8x1x64xf16>) centroids(%c : memref<?x2x2x16x32xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x8x?xi32>, memref<?x8xi64>, memref<?x8x?xf16>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = row, threads = 256, ctas_per_row = 1, max_seq_len = 2048, smem = 0>
    return %n : index
  }
  // CHECK-LABEL: gpu.func @keyless_row(
  // CHECK-SAME:    %{{.+}}: memref<?xf16>, %{{.+}}: memref<?xf32>, %{{.+}}: memref<?xi8>, %{{.+}}: memref<?xi32>, %{{.+}}: memref<?xi64>, %{{.+}}: memref<?xf16>, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64) kernel
  // CHECK-SAME:    pq.params = ["query", "centroids", "codes", "sparse_list", "sparse_len", "weight_list", "seq_len", "num_cached", "key_capacity", "code_capacity"]
  // CHECK-SAME:    pq.quantize = false
}
