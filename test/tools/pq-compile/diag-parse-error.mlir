// RUN: not pq-compile %s --target=sm_80 -o %t.pqmod 2>&1 | FileCheck %s -DFILE=%s
// RUN: not pq-compile %s --target=sm_80 --emit=ptx 2>&1 | FileCheck %s -DFILE=%s

// A syntax error is reported at its file:line:col through the source
// manager, and pq-compile exits non-zero without writing anything else.

// CHECK: [[FILE]]:[[@LINE+2]]:{{[0-9]+}}: error: expected non-function type
func.func @bad(%n: index) -> index {
  %0 = arith.constant 1 : i33x
  return %n : index
}
