// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefix=ROW
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --emit=ptx | FileCheck %s --check-prefix=SPLIT
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=16 --emit=ptx | FileCheck %s --check-prefix=CLUSTER

// The kernel ABI of docs/BUNDLE.md as PTX sees it: every memref parameter is
// five kernel parameters (allocated and aligned pointers, offset, size,
// stride), every i64 one. llama3_8b's row kernel takes 7 memrefs and 4
// scalars (39 parameters); the split kernels and the cluster kernel add the
// workspace (44), memref parameters 35 to 39.

// ROW:      .visible .entry llama3_8b_row(
// ROW-NEXT:   .param .u64 .ptr {{.*}}llama3_8b_row_param_0,
// ROW-NEXT:   .param .u64 .ptr {{.*}}llama3_8b_row_param_1,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_2,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_3,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_4,
// ROW-NEXT:   .param .u64 .ptr {{.*}}llama3_8b_row_param_5,
// ROW:        .param .u64 .ptr {{.*}}llama3_8b_row_param_30,
// ROW-NEXT:   .param .u64 .ptr {{.*}}llama3_8b_row_param_31,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_32,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_33,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_34,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_35,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_36,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_37,
// ROW-NEXT:   .param .u64 llama3_8b_row_param_38
// ROW-NEXT: )

// SPLIT:      .visible .entry llama3_8b_score(
// SPLIT:        .param .u64 .ptr {{.*}}llama3_8b_score_param_35,
// SPLIT-NEXT:   .param .u64 .ptr {{.*}}llama3_8b_score_param_36,
// SPLIT-NEXT:   .param .u64 llama3_8b_score_param_37,
// SPLIT-NEXT:   .param .u64 llama3_8b_score_param_38,
// SPLIT-NEXT:   .param .u64 llama3_8b_score_param_39,
// SPLIT-NEXT:   .param .u64 llama3_8b_score_param_40,
// SPLIT-NEXT:   .param .u64 llama3_8b_score_param_41,
// SPLIT-NEXT:   .param .u64 llama3_8b_score_param_42,
// SPLIT-NEXT:   .param .u64 llama3_8b_score_param_43
// SPLIT-NEXT: )
// SPLIT:      .visible .entry llama3_8b_select(
// SPLIT:        .param .u64 llama3_8b_select_param_43
// SPLIT-NEXT: )

// CLUSTER:      .visible .entry llama3_8b_cluster(
// CLUSTER:        .param .u64 .ptr {{.*}}llama3_8b_cluster_param_30,
// CLUSTER:        .param .u64 .ptr {{.*}}llama3_8b_cluster_param_35,
// CLUSTER-NEXT:   .param .u64 .ptr {{.*}}llama3_8b_cluster_param_36,
// CLUSTER-NEXT:   .param .u64 llama3_8b_cluster_param_37,
// CLUSTER-NEXT:   .param .u64 llama3_8b_cluster_param_38,
// CLUSTER-NEXT:   .param .u64 llama3_8b_cluster_param_39,
// CLUSTER-NEXT:   .param .u64 llama3_8b_cluster_param_40,
// CLUSTER-NEXT:   .param .u64 llama3_8b_cluster_param_41,
// CLUSTER-NEXT:   .param .u64 llama3_8b_cluster_param_42,
// CLUSTER-NEXT:   .param .u64 llama3_8b_cluster_param_43
// CLUSTER-NEXT: )
