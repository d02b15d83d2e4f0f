// RUN: pq-opt --show-dialects | FileCheck %s
// CHECK: Available Dialects:
// CHECK-SAME: pq
