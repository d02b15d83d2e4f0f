// RUN: pq-opt %s -split-input-file --convert-pq-to-gpu | FileCheck %s --implicit-check-not=gpu.module --implicit-check-not=gpu.container_module

// A module without pq steps is left as it is: no gpu.module, no
// gpu.container_module, and no pq.target needed.

// CHECK-LABEL: func.func @plain(
// CHECK-NEXT:    return %{{.+}} : index
func.func @plain(%n: index) -> index {
  return %n : index
}

// -----

// CHECK: module attributes {pq.target = #{{.+}}} {
// CHECK-NEXT: }
module attributes {pq.target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>} {
}
