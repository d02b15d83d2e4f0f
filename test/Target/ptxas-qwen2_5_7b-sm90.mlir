// REQUIRES: ptxas
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_90 --max-seq-len=4096 --emit=ptx -o %t.row.ptx
// RUN: %ptxas -arch=sm_90 -v %t.row.ptx -o %t.row.cubin > %t.row.log 2>&1
// RUN: FileCheck %s --check-prefix=ROW --input-file=%t.row.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.row.log
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_90 --max-seq-len=131072 --emit=ptx -o %t.cluster.ptx
// RUN: %ptxas -arch=sm_90 -v %t.cluster.ptx -o %t.cluster.cubin > %t.cluster.log 2>&1
// RUN: FileCheck %s --check-prefix=CLUSTER --input-file=%t.cluster.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.cluster.log
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_80 --max-seq-len=131072 --emit=ptx -o %t.split.ptx
// RUN: %ptxas -arch=sm_90 -v %t.split.ptx -o %t.split.cubin > %t.split.log 2>&1
// RUN: FileCheck %s --check-prefix=SCORE --input-file=%t.split.log
// RUN: FileCheck %s --check-prefix=SELECT --input-file=%t.split.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.split.log

// ptxas assembles examples/qwen2_5_7b.mlir's kernels for sm_90 (the row
// kernel at 4096 tokens, the cluster kernel in row groups of one row at
// 131072, and the split kernels pq-tile picks at 131072 for sm_80, whose
// PTX sm_90 runs too) and every one keeps its values in registers: no
// stack frame, no spill stores or loads. ptxas reports the functions in an
// order of its own, so each split kernel has its own FileCheck run.

// ROW:      Compiling entry function 'qwen2_5_7b_row' for 'sm_90'
// ROW-NEXT: Function properties for qwen2_5_7b_row
// ROW-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// CLUSTER:      Compiling entry function 'qwen2_5_7b_cluster' for 'sm_90'
// CLUSTER-NEXT: Function properties for qwen2_5_7b_cluster
// CLUSTER-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SCORE:      Compiling entry function 'qwen2_5_7b_score' for 'sm_90'
// SCORE-NEXT: Function properties for qwen2_5_7b_score
// SCORE-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SELECT:      Compiling entry function 'qwen2_5_7b_select' for 'sm_90'
// SELECT-NEXT: Function properties for qwen2_5_7b_select
// SELECT-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
