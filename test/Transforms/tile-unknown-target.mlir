// RUN: pq-opt %s --pq-tile="target=sm_70" -verify-diagnostics

// expected-error @below {{pq-tile: unknown target 'sm_70'; known targets: sm_80, sm_86, sm_89, sm_90, sm_90a}}
module {
}
