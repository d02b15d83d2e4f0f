// RUN: pq-opt %s --pq-tile -verify-diagnostics

// Neither --target nor a pq.target module attribute: nothing to tile for.
// expected-error @below {{pq-tile: no target: pass --target=sm_80|sm_86|sm_89|sm_90|sm_90a or set pq.target on the module}}
module {
}
