// RUN: not pq-compile %examples/llama3_8b.mlir -o %t.pqmod 2>&1 | FileCheck %s
// RUN: not pq-compile --print-pipeline 2>&1 | FileCheck %s

// The target is required (the IR alone does not say which GPU to build for).

// CHECK: pq-compile: error: no --target given; use one or more of sm_80, sm_86, sm_89, sm_90, sm_90a
