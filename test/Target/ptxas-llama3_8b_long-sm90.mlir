// REQUIRES: ptxas
// RUN: pq-compile %examples/llama3_8b_long.mlir --target=sm_80 --target=sm_90 --max-seq-len=8192 --emit=ptx -o %t.row.both.ptx
// RUN: sed -n '/^\/\/ .*: sm_90$/,$p' %t.row.both.ptx > %t.row.ptx
// RUN: %ptxas -arch=sm_90 -v %t.row.ptx -o %t.row.cubin > %t.row.log 2>&1
// RUN: FileCheck %s --check-prefix=ROW --input-file=%t.row.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.row.log
// RUN: pq-compile %examples/llama3_8b_long.mlir --target=sm_80 --target=sm_90 --max-seq-len=131072 --emit=ptx -o %t.split.both.ptx
// RUN: sed -n '/^\/\/ .*: sm_90$/,$p' %t.split.both.ptx > %t.split.ptx
// RUN: FileCheck %s --check-prefix=PTX --input-file=%t.split.ptx
// RUN: %ptxas -arch=sm_90 -v %t.split.ptx -o %t.split.cubin > %t.split.log 2>&1
// RUN: FileCheck %s --check-prefix=SCORE --input-file=%t.split.log
// RUN: FileCheck %s --check-prefix=SELECT --input-file=%t.split.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.split.log

// ptxas assembles examples/llama3_8b_long.mlir's row and split kernels for
// sm_90 (the row kernel at 8192 tokens, the split kernels at 131072) and every
// one keeps its values in registers: no stack frame, no spill stores or loads.
// pq-compile --target=sm_90 alone builds cluster kernels at both bounds
// (ptxas-cluster-sm90.mlir); row and split kernels reach sm_90 in a bundle
// for sm_80 and sm_90, tiled for sm_80 (tile-target-least-smem.mlir), whose
// sm_90 PTX
// follows the `// pq-compile: sm_90` line. ptxas reports the functions in an
// order of its own, so each split kernel has its own FileCheck run.

// PTX:      // pq-compile: sm_90
// PTX-NOT:  // pq-compile:
// PTX:      .target sm_90{{$}}

// ROW:      Compiling entry function 'llama3_8b_long_row' for 'sm_90'
// ROW-NEXT: Function properties for llama3_8b_long_row
// ROW-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SCORE:      Compiling entry function 'llama3_8b_long_score' for 'sm_90'
// SCORE-NEXT: Function properties for llama3_8b_long_score
// SCORE-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SELECT:      Compiling entry function 'llama3_8b_long_select' for 'sm_90'
// SELECT-NEXT: Function properties for llama3_8b_long_select
// SELECT-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
