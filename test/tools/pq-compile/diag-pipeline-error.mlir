// RUN: not pq-compile %s --target=sm_80 -o %t.pqmod 2>&1 | FileCheck %s -DFILE=%s

// A pass failure (here pq-tile: 64 query heads of 4 subspaces x 256
// centroids need 64 * 4 * 256 * 4 = 256 KiB of lookup tables per CTA, more
// than sm_80's shared memory) is reported at the step with a non-zero exit.

// CHECK: [[FILE]]:[[@LINE+3]]:{{[0-9]+}}: error: pq-tile: the f32 queries and lookup tables of a query group (group = 64, head_dim = 128, subspaces = 4, centroids = 256) do not fit the target's 166912 bytes of shared memory
#step = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 8, metric = euclidean>
func.func @huge(%q: memref<?x64x1x128xf32>, %c: memref<?x1x4x256x32xf32>, %codes: memref<?x1x?x4xui8>, %nc: index, %sk: index, %l: memref<?x64x?xi64>, %len: memref<?x64xi64>, %w: memref<?x64x?xf32>) -> index {
  %n = pq.indexer query(%q : memref<?x64x1x128xf32>) centroids(%c : memref<?x1x4x256x32xf32>) codes(%codes : memref<?x1x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x64x?xi64>, memref<?x64xi64>, memref<?x64x?xf32>) step #step layout compact tie lowest_index
  return %n : index
}
