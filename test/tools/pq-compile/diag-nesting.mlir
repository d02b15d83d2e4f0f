// RUN: %python -c "print('module {' * 5000 + '}' * 5000)" > %t.modules.mlir
// RUN: not pq-compile %t.modules.mlir --target=sm_80 2>&1 | FileCheck %s -DFILE=%t.modules.mlir
// RUN: not pq-opt %t.modules.mlir 2>&1 | FileCheck %s -DFILE=%t.modules.mlir
// RUN: not pq-opt < %t.modules.mlir 2>&1 | FileCheck %s -DFILE="<stdin>"
// RUN: %python -c "print('func.func @f() attributes {a = ' + '[' * 30000 + ']' * 30000 + '} { return }')" > %t.arrays.mlir
// RUN: not pq-opt %t.arrays.mlir 2>&1 | FileCheck %s --check-prefix=ARRAY -DFILE=%t.arrays.mlir
// RUN: %python -c "print('// {{{{ \"[[[[\"\n' + 'module {' * 256 + '}' * 256)" > %t.limit.mlir
// RUN: pq-opt %t.limit.mlir -o /dev/null

// Brackets nested thousands deep overflow the stack of MLIR's parser
// (upstream). Both tools refuse more than 256 levels before parsing, with
// the place they start; comments and strings do not count.

// CHECK: [[FILE]]:1:2056: error: brackets nest more than 256 levels deep here; such input is refused before parsing (MLIR's parser would run out of stack)
// ARRAY: [[FILE]]:1:287: error: brackets nest more than 256 levels deep
