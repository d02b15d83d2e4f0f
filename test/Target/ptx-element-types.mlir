// RUN: pq-opt %S/../Conversion/PQToGPU/element-types-nvvm.mlir --pq-lower-to-ptx="target=sm_80 max-seq-len=4096" | FileCheck %s --check-prefix=ROW --implicit-check-not=.local
// RUN: pq-opt %S/../Conversion/PQToGPU/element-types-nvvm.mlir --pq-lower-to-ptx="target=sm_90 max-seq-len=4096 cluster-size=16" | FileCheck %s --check-prefix=CLUSTER --implicit-check-not=.local
// RUN: pq-opt %S/../Conversion/PQToGPU/element-types-nvvm.mlir --pq-lower-to-ptx="target=sm_80" | FileCheck %s --check-prefix=SPLIT --implicit-check-not=.local

// Every element-type configuration of Conversion/PQToGPU/element-types-nvvm.mlir
// reaches PTX (the escaped text of the gpu.binary's object) through
// pq-lower-to-ptx, with no local memory in any kernel: row kernels (sm_80)
// and cluster kernels of 16 CTAs (sm_90) at 4096 tokens, split kernels at
// the default 131072.

// ROW:   gpu.binary @pq_kernels
// ROW-SAME: .target sm_80
// ROW-SAME: .visible .entry bf16_f32_i64_bf16_gqa4_row(
// ROW-SAME: .visible .entry f16_f32_i32_f16_mha_row(
// ROW-SAME: .visible .entry f32_f32_i64_f32_gqa8_row(
// ROW-SAME: .visible .entry bf16_bf16_i32_f32_row(
// ROW-SAME: .visible .entry f32_bf16_i64_bf16_seed_row(
// ROW-SAME: .visible .entry f16_f32_i32_f32_ip_seed_row(
// ROW-SAME: .visible .entry bf16_f32_i64_f16_ip_keyless_row(
// ROW-SAME: .visible .entry f32_f32_i32_bf16_static_batch_row(

// CLUSTER:   gpu.binary @pq_kernels
// CLUSTER-SAME: .target sm_90
// CLUSTER-SAME: .visible .entry bf16_f32_i64_bf16_gqa4_cluster(
// CLUSTER-SAME: .reqnctapercluster 16, 1, 1
// CLUSTER-SAME: .visible .entry f16_f32_i32_f16_mha_cluster(
// CLUSTER-SAME: .reqnctapercluster 16, 1, 1
// CLUSTER-SAME: .visible .entry f32_f32_i64_f32_gqa8_cluster(
// CLUSTER-SAME: .reqnctapercluster 16, 1, 1
// CLUSTER-SAME: .visible .entry bf16_bf16_i32_f32_cluster(
// CLUSTER-SAME: .reqnctapercluster 16, 1, 1
// CLUSTER-SAME: .visible .entry f32_bf16_i64_bf16_seed_cluster(
// CLUSTER-SAME: .reqnctapercluster 16, 1, 1
// CLUSTER-SAME: .visible .entry f16_f32_i32_f32_ip_seed_cluster(
// CLUSTER-SAME: .reqnctapercluster 16, 1, 1
// CLUSTER-SAME: .visible .entry bf16_f32_i64_f16_ip_keyless_cluster(
// CLUSTER-SAME: .reqnctapercluster 16, 1, 1
// CLUSTER-SAME: .visible .entry f32_f32_i32_bf16_static_batch_cluster(
// CLUSTER-SAME: .reqnctapercluster 16, 1, 1

// SPLIT:   gpu.binary @pq_kernels
// SPLIT-SAME: .target sm_80
// SPLIT-SAME: .visible .entry bf16_f32_i64_bf16_gqa4_score(
// SPLIT-SAME: .visible .entry bf16_f32_i64_bf16_gqa4_select(
// SPLIT-SAME: .visible .entry f16_f32_i32_f16_mha_score(
// SPLIT-SAME: .visible .entry f16_f32_i32_f16_mha_select(
// SPLIT-SAME: .visible .entry f32_f32_i64_f32_gqa8_score(
// SPLIT-SAME: .visible .entry f32_f32_i64_f32_gqa8_select(
// SPLIT-SAME: .visible .entry bf16_bf16_i32_f32_score(
// SPLIT-SAME: .visible .entry bf16_bf16_i32_f32_select(
// SPLIT-SAME: .visible .entry f32_bf16_i64_bf16_seed_score(
// SPLIT-SAME: .visible .entry f32_bf16_i64_bf16_seed_select(
// SPLIT-SAME: .visible .entry f16_f32_i32_f32_ip_seed_score(
// SPLIT-SAME: .visible .entry f16_f32_i32_f32_ip_seed_select(
// SPLIT-SAME: .visible .entry bf16_f32_i64_f16_ip_keyless_score(
// SPLIT-SAME: .visible .entry bf16_f32_i64_f16_ip_keyless_select(
// SPLIT-SAME: .visible .entry f32_f32_i32_bf16_static_batch_score(
// SPLIT-SAME: .visible .entry f32_f32_i32_bf16_static_batch_select(
