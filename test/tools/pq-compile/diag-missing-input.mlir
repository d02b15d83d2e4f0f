// RUN: not pq-compile %t.does-not-exist.mlir --target=sm_80 2>&1 | FileCheck %s -DFILE=%t.does-not-exist.mlir

// CHECK: pq-compile: error: cannot open input file '[[FILE]]': No such file or directory
