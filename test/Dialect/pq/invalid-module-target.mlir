// RUN: pq-opt %s -split-input-file -verify-diagnostics

// expected-error @below {{pq.target must be a #pq.target<...> attribute, got "sm_90"}}
module attributes {pq.target = "sm_90"} {}

// -----

module {
  // expected-error @below {{pq.target belongs on a builtin.module, not on 'func.func'}}
  func.func @f() attributes {pq.target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>} {
    return
  }
}
