// RUN: not pq-compile %s --target=sm_80 -o %t.pqmod 2>&1 | FileCheck %s
// RUN: not pq-compile %s --target=sm_80 --emit=ptx 2>&1 | FileCheck %s

// A bundle describes one step; a module with two is rejected (the kernels
// would need two manifests).

// CHECK: error: pq-compile: the module holds several pq steps ('a' and 'b'); a bundle holds one

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip>
func.func @a(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x5xf32>, %codes: memref<?x?x2x2xi64>, %n: index, %sk: index, %l: memref<?x4x?xi32>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
  %r = pq.indexer query(%q : memref<?x4x1x8xf32>) centroids(%c : memref<?x2x2x4x5xf32>) codes(%codes : memref<?x?x2x2xi64>)[%n] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi32>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout seed tie lowest_index
  return %r : index
}
func.func @b(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x5xf32>, %codes: memref<?x?x2x2xi64>, %n: index, %sk: index, %l: memref<?x4x?xi32>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
  %r = pq.indexer query(%q : memref<?x4x1x8xf32>) centroids(%c : memref<?x2x2x4x5xf32>) codes(%codes : memref<?x?x2x2xi64>)[%n] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi32>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout seed tie lowest_index
  return %r : index
}
