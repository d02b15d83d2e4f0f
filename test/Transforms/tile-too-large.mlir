// RUN: pq-opt %s --pq-tile="target=sm_80" -verify-diagnostics

// Both strategies keep a query group's queries and lookup tables in shared
// memory: with 16-bit codes that is 4 * 4 * (128 + 2 * 65536) bytes, far more
// than sm_80's 166912, so no tiling exists.

#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 16, metric = euclidean>

func.func @huge_codebook(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x65536x64xf32>, %codes: memref<?x?x8x2xi64>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  // expected-error @below {{pq-tile: the f32 queries and lookup tables of a query group (group = 4, head_dim = 128, subspaces = 2, centroids = 65536) do not fit the target's 166912 bytes of shared memory}}
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x65536x64xf32>) codes(%codes : memref<?x?x8x2xi64>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #step layout seed tie lowest_index
  return %n : index
}
