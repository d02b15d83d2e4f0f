// RUN: pq-opt %s --pq-lower-to-nvvm="target=sm_80 max-seq-len=4096" | FileCheck %s --check-prefix=ROW --implicit-check-not=gpu.func --implicit-check-not=pq.indexer
// RUN: pq-opt %s --pq-lower-to-nvvm="target=sm_90 max-seq-len=4096 cluster-size=16" | FileCheck %s --check-prefix=CLUSTER --implicit-check-not=gpu.func --implicit-check-not=pq.indexer
// RUN: pq-opt %s --pq-lower-to-nvvm="target=sm_80" | FileCheck %s --check-prefix=SPLIT --implicit-check-not=gpu.func --implicit-check-not=pq.indexer

// Every element-type configuration the dialect accepts lowers to NVVM, as a
// row kernel at 4096 tokens and as split kernels at the default 131072 (on
// sm_80), and as a cluster kernel at 4096 tokens on sm_90:
// bf16/f16/f32 queries, f32/bf16 centroids, i32/i64 sparse_list, bf16/f16/f32
// weights, seed and compact codes, both metrics (ip with and without key),
// a static batch and GQA ratios 1, 4 and 8. One function per configuration,
// named query_centroids_index_weights[_variant]; kernels keep the order of
// the functions. cluster-size=16 makes the small steps clusters of 16 CTAs
// (pq-tile alone would pick row for them), and the cluster dimension
// survives into the NVVM kernel.

#bf16_f32_i64_bf16_gqa4 = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 4, metric = euclidean>
#f16_f32_i32_f16_mha = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 4, metric = euclidean>
#f32_f32_i64_f32_gqa8 = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 4, metric = euclidean>
#bf16_bf16_i32_f32 = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 4, metric = euclidean>
#f32_bf16_i64_bf16_seed = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 4, metric = euclidean>
#f16_f32_i32_f32_ip_seed = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 4, metric = ip>
#bf16_f32_i64_f16_ip_keyless = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 4, metric = ip>
#f32_f32_i32_bf16_static_batch = #pq.step<sink = 16, window = 16, heavy = 32, init_offset = 16, bits = 4, metric = euclidean>

// ROW-LABEL: llvm.func @bf16_f32_i64_bf16_gqa4_row(
// ROW-SAME:    nvvm.kernel
// CLUSTER-LABEL: llvm.func @bf16_f32_i64_bf16_gqa4_cluster(
// CLUSTER-SAME:    nvvm.cluster_dim = array<i32: 16, 1, 1>, nvvm.kernel
// SPLIT-LABEL: llvm.func @bf16_f32_i64_bf16_gqa4_score(
// SPLIT-SAME:    nvvm.kernel
// SPLIT-LABEL: llvm.func @bf16_f32_i64_bf16_gqa4_select(
// SPLIT-SAME:    nvvm.kernel
func.func @bf16_f32_i64_bf16_gqa4(%q: memref<?x8x1x64xbf16>, %k: memref<?x2x?x64xbf16>, %c: memref<?x2x2x16x32xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x8x?xi64>, %len: memref<?x8xi64>, %w: memref<?x8x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x8x1x64xbf16>) key(%k : memref<?x2x?x64xbf16>) centroids(%c : memref<?x2x2x16x32xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x8x?xi64>, memref<?x8xi64>, memref<?x8x?xbf16>) step #bf16_f32_i64_bf16_gqa4 layout compact tie lowest_index
  return %n : index
}

// ROW-LABEL: llvm.func @f16_f32_i32_f16_mha_row(
// ROW-SAME:    nvvm.kernel
// CLUSTER-LABEL: llvm.func @f16_f32_i32_f16_mha_cluster(
// CLUSTER-SAME:    nvvm.cluster_dim = array<i32: 16, 1, 1>, nvvm.kernel
// SPLIT-LABEL: llvm.func @f16_f32_i32_f16_mha_score(
// SPLIT-SAME:    nvvm.kernel
// SPLIT-LABEL: llvm.func @f16_f32_i32_f16_mha_select(
// SPLIT-SAME:    nvvm.kernel
func.func @f16_f32_i32_f16_mha(%q: memref<?x4x1x64xf16>, %k: memref<?x4x?x64xf16>, %c: memref<?x4x2x16x32xf32>, %codes: memref<?x4x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi32>, %len: memref<?x4xi64>, %w: memref<?x4x?xf16>) -> index {
  %n = pq.indexer query(%q : memref<?x4x1x64xf16>) key(%k : memref<?x4x?x64xf16>) centroids(%c : memref<?x4x2x16x32xf32>) codes(%codes : memref<?x4x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi32>, memref<?x4xi64>, memref<?x4x?xf16>) step #f16_f32_i32_f16_mha layout compact tie lowest_index
  return %n : index
}

// ROW-LABEL: llvm.func @f32_f32_i64_f32_gqa8_row(
// ROW-SAME:    nvvm.kernel
// CLUSTER-LABEL: llvm.func @f32_f32_i64_f32_gqa8_cluster(
// CLUSTER-SAME:    nvvm.cluster_dim = array<i32: 16, 1, 1>, nvvm.kernel
// SPLIT-LABEL: llvm.func @f32_f32_i64_f32_gqa8_score(
// SPLIT-SAME:    nvvm.kernel
// SPLIT-LABEL: llvm.func @f32_f32_i64_f32_gqa8_select(
// SPLIT-SAME:    nvvm.kernel
func.func @f32_f32_i64_f32_gqa8(%q: memref<?x16x1x32xf32>, %k: memref<?x2x?x32xf32>, %c: memref<?x2x4x16x8xf32>, %codes: memref<?x2x?x4xui8>, %nc: index, %sk: index, %l: memref<?x16x?xi64>, %len: memref<?x16xi64>, %w: memref<?x16x?xf32>) -> index {
  %n = pq.indexer query(%q : memref<?x16x1x32xf32>) key(%k : memref<?x2x?x32xf32>) centroids(%c : memref<?x2x4x16x8xf32>) codes(%codes : memref<?x2x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x16x?xi64>, memref<?x16xi64>, memref<?x16x?xf32>) step #f32_f32_i64_f32_gqa8 layout compact tie lowest_index
  return %n : index
}

// ROW-LABEL: llvm.func @bf16_bf16_i32_f32_row(
// ROW-SAME:    nvvm.kernel
// CLUSTER-LABEL: llvm.func @bf16_bf16_i32_f32_cluster(
// CLUSTER-SAME:    nvvm.cluster_dim = array<i32: 16, 1, 1>, nvvm.kernel
// SPLIT-LABEL: llvm.func @bf16_bf16_i32_f32_score(
// SPLIT-SAME:    nvvm.kernel
// SPLIT-LABEL: llvm.func @bf16_bf16_i32_f32_select(
// SPLIT-SAME:    nvvm.kernel
func.func @bf16_bf16_i32_f32(%q: memref<?x8x1x64xbf16>, %k: memref<?x2x?x64xbf16>, %c: memref<?x2x2x16x32xbf16>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x8x?xi32>, %len: memref<?x8xi64>, %w: memref<?x8x?xf32>) -> index {
  %n = pq.indexer query(%q : memref<?x8x1x64xbf16>) key(%k : memref<?x2x?x64xbf16>) centroids(%c : memref<?x2x2x16x32xbf16>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x8x?xi32>, memref<?x8xi64>, memref<?x8x?xf32>) step #bf16_bf16_i32_f32 layout compact tie lowest_index
  return %n : index
}

// ROW-LABEL: llvm.func @f32_bf16_i64_bf16_seed_row(
// ROW-SAME:    nvvm.kernel
// CLUSTER-LABEL: llvm.func @f32_bf16_i64_bf16_seed_cluster(
// CLUSTER-SAME:    nvvm.cluster_dim = array<i32: 16, 1, 1>, nvvm.kernel
// SPLIT-LABEL: llvm.func @f32_bf16_i64_bf16_seed_score(
// SPLIT-SAME:    nvvm.kernel
// SPLIT-LABEL: llvm.func @f32_bf16_i64_bf16_seed_select(
// SPLIT-SAME:    nvvm.kernel
func.func @f32_bf16_i64_bf16_seed(%q: memref<?x8x1x32xf32>, %k: memref<?x2x?x32xf32>, %c: memref<?x2x2x16x16xbf16>, %codes: memref<?x?x2x2xi64>, %nc: index, %sk: index, %l: memref<?x8x?xi64>, %len: memref<?x8xi64>, %w: memref<?x8x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x8x1x32xf32>) key(%k : memref<?x2x?x32xf32>) centroids(%c : memref<?x2x2x16x16xbf16>) codes(%codes : memref<?x?x2x2xi64>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x8x?xi64>, memref<?x8xi64>, memref<?x8x?xbf16>) step #f32_bf16_i64_bf16_seed layout seed tie lowest_index
  return %n : index
}

// ROW-LABEL: llvm.func @f16_f32_i32_f32_ip_seed_row(
// ROW-SAME:    nvvm.kernel
// CLUSTER-LABEL: llvm.func @f16_f32_i32_f32_ip_seed_cluster(
// CLUSTER-SAME:    nvvm.cluster_dim = array<i32: 16, 1, 1>, nvvm.kernel
// SPLIT-LABEL: llvm.func @f16_f32_i32_f32_ip_seed_score(
// SPLIT-SAME:    nvvm.kernel
// SPLIT-LABEL: llvm.func @f16_f32_i32_f32_ip_seed_select(
// SPLIT-SAME:    nvvm.kernel
func.func @f16_f32_i32_f32_ip_seed(%q: memref<?x8x1x64xf16>, %k: memref<?x2x?x64xf16>, %c: memref<?x2x2x16x33xf32>, %phi: memref<4xf32>, %codes: memref<?x?x2x2xi64>, %nc: index, %sk: index, %l: memref<?x8x?xi32>, %len: memref<?x8xi64>, %w: memref<?x8x?xf32>) -> index {
  %n = pq.indexer query(%q : memref<?x8x1x64xf16>) key(%k : memref<?x2x?x64xf16>) centroids(%c : memref<?x2x2x16x33xf32>) phi(%phi : memref<4xf32>) codes(%codes : memref<?x?x2x2xi64>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x8x?xi32>, memref<?x8xi64>, memref<?x8x?xf32>) step #f16_f32_i32_f32_ip_seed layout seed tie lowest_index
  return %n : index
}

// ROW-LABEL: llvm.func @bf16_f32_i64_f16_ip_keyless_row(
// ROW-SAME:    nvvm.kernel
// CLUSTER-LABEL: llvm.func @bf16_f32_i64_f16_ip_keyless_cluster(
// CLUSTER-SAME:    nvvm.cluster_dim = array<i32: 16, 1, 1>, nvvm.kernel
// SPLIT-LABEL: llvm.func @bf16_f32_i64_f16_ip_keyless_score(
// SPLIT-SAME:    nvvm.kernel
// SPLIT-LABEL: llvm.func @bf16_f32_i64_f16_ip_keyless_select(
// SPLIT-SAME:    nvvm.kernel
func.func @bf16_f32_i64_f16_ip_keyless(%q: memref<?x4x1x64xbf16>, %c: memref<?x1x2x16x33xf32>, %codes: memref<?x1x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf16>) -> index {
  %n = pq.indexer query(%q : memref<?x4x1x64xbf16>) centroids(%c : memref<?x1x2x16x33xf32>) codes(%codes : memref<?x1x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf16>) step #bf16_f32_i64_f16_ip_keyless layout compact tie lowest_index
  return %n : index
}

// ROW-LABEL: llvm.func @f32_f32_i32_bf16_static_batch_row(
// ROW-SAME:    nvvm.kernel
// CLUSTER-LABEL: llvm.func @f32_f32_i32_bf16_static_batch_cluster(
// CLUSTER-SAME:    nvvm.cluster_dim = array<i32: 16, 1, 1>, nvvm.kernel
// SPLIT-LABEL: llvm.func @f32_f32_i32_bf16_static_batch_score(
// SPLIT-SAME:    nvvm.kernel
// SPLIT-LABEL: llvm.func @f32_f32_i32_bf16_static_batch_select(
// SPLIT-SAME:    nvvm.kernel
func.func @f32_f32_i32_bf16_static_batch(%q: memref<2x8x1x32xf32>, %k: memref<2x2x?x32xf32>, %c: memref<2x2x2x16x16xf32>, %codes: memref<2x2x?x2xui8>, %nc: index, %sk: index, %l: memref<2x8x?xi32>, %len: memref<2x8xi64>, %w: memref<2x8x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<2x8x1x32xf32>) key(%k : memref<2x2x?x32xf32>) centroids(%c : memref<2x2x2x16x16xf32>) codes(%codes : memref<2x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<2x8x?xi32>, memref<2x8xi64>, memref<2x8x?xbf16>) step #f32_f32_i32_bf16_static_batch layout compact tie lowest_index
  return %n : index
}
