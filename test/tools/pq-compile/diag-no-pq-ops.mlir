// RUN: not pq-compile %s --target=sm_80 -o %t.pqmod 2>&1 | FileCheck %s
// RUN: not pq-compile %s --target=sm_80 --emit=mlir 2>&1 | FileCheck %s

// Nothing to compile: a module without pq steps makes no bundle.

// CHECK: error: pq-compile: no pq step kernels in the module (a bundle needs a pq step; an index build alone is not launchable)

func.func @plain(%n: index) -> index {
  return %n : index
}
