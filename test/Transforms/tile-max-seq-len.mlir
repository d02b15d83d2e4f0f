// RUN: pq-opt %s --pq-tile="target=sm_80 max-seq-len=0" -verify-diagnostics

// expected-error @below {{pq-tile: max-seq-len must be in [1, 16777216], got 0}}
module {
}
