// RUN: pq-opt %s -split-input-file -verify-diagnostics

// expected-error @below {{step: sink must be >= 0, got -1}}
module attributes {pq.test = #pq.step<sink = -1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>} {}

// -----

// expected-error @below {{step: init_offset must be >= 0, got -3}}
module attributes {pq.test = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = -3, bits = 2, metric = euclidean>} {}

// -----

// expected-error @below {{step: bits must be in [1, 16], got 0}}
module attributes {pq.test = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 0, metric = euclidean>} {}

// -----

// expected-error @below {{step: bits must be in [1, 16], got 17}}
module attributes {pq.test = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 17, metric = euclidean>} {}

// -----

// expected-error @below {{step: heavy must be >= 0, got -2}}
module attributes {pq.test = #pq.step<sink = 1, window = 1, heavy = -2, init_offset = 1, bits = 2, metric = euclidean>} {}

// -----

// expected-error @below {{step: window must be >= 0, got -5}}
module attributes {pq.test = #pq.step<sink = 1, window = -5, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>} {}
