// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_70 -o %t.pqmod 2>&1 | FileCheck %s
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_90 --target=gfx90a -o %t.pqmod 2>&1 | FileCheck %s --check-prefix=SECOND

// An arch pq-compile has no description for is rejected before any work,
// naming the known ones.

// CHECK:  pq-compile: error: unknown --target 'sm_70'; known: sm_80, sm_86, sm_89, sm_90, sm_90a
// SECOND: pq-compile: error: unknown --target 'gfx90a'
