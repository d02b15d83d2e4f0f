// RUN: pq-opt %s --pq-tile="target=sm_90" | FileCheck %s --check-prefix=AUTO
// RUN: pq-opt %s --pq-tile="target=sm_90 row-groups=1" | FileCheck %s --check-prefix=G1
// RUN: pq-opt %s --pq-tile="target=sm_90 row-groups=4" | FileCheck %s --check-prefix=G4
// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=16384 cluster-size=2 row-groups=2" | FileCheck %s --check-prefix=Q2G2
// RUN: not pq-opt %s --pq-tile="target=sm_90 row-groups=3" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// RUN: not pq-opt %s --pq-tile="target=sm_90 row-groups=65" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not pq-opt %s --pq-tile="target=sm_80 row-groups=2" 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_90 --row-groups=-1 --emit=mlir 2>&1 | FileCheck %s --check-prefix=CLI

// row-groups fixes how many clusters share a query group's rows (pq-tile
// still picks the cluster size unless cluster-size is given). llama3_8b's
// shape at 131072: one group per cluster (row-groups=1) is pq-tile's old
// choice, Q = 16 at 512 threads (tile-cluster-size.mlir); with four groups
// of one row, 32 clusters start at Q = 2 (2 * Q * 32 <= 132) and the first
// size whose one-row chunk fits is Q = 4 (32736 keys) at 512 threads
// (pq-tile's own choice is two groups of two rows, tile-sm90.mlir). At
// 16384 tokens with Q = 2, two groups of two rows of 8128 keys fit two CTAs
// per SM.
// A count that does not divide the group is an error, as on the op. Left
// to itself (AUTO), pq-tile splits the compact step's group and keeps the
// seed layout's whole: there every row group would read the int64 codes
// again.

#llama = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>

// AUTO-LABEL: func.func @llama3_8b(
// AUTO:       tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
// AUTO-LABEL: func.func @llama3_8b_seed(
// AUTO:       tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 131072, smem = 176272>
// G1:   tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 131072, smem = 176272>
// G4:   tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 4, max_seq_len = 131072, smem = 147952, row_groups = 4>
// Q2G2: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 2, max_seq_len = 16384, smem = 97408, row_groups = 2>
// DIVIDE: error: pq-tile: row-groups 3 must divide the query group (heads / kv_heads = 4)
// RANGE: error: pq-tile: row-groups must be in [0, 64] (0: pq-tile chooses), got 65
// SM80: error: pq-tile: row-groups=2 needs a target with thread-block clusters (sm_90), not sm_80
// CLI: error: --row-groups must be in [0, 64] (0: pq-tile chooses), got -1
func.func @llama3_8b(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout compact tie lowest_index
  return %n : index
}

func.func @llama3_8b_seed(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x?x8x2xi64>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x?x8x2xi64>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #llama layout seed tie lowest_index
  return %n : index
}
