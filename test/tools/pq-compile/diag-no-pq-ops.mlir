// RUN: not pq-compile %s --target=sm_80 -o %t.pqmod 2>&1 | FileCheck %s
// RUN: not pq-compile %s --target=sm_80 --emit=mlir 2>&1 | FileCheck %s

// Nothing to compile: a module without pq steps makes no bundle.

// CHECK: error: pq-compile: no pq kernels in the module (no pq step?)

func.func @plain(%n: index) -> index {
  return %n : index
}
