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

// -----

// libpqrt refuses token counts above PQRT_MAX_TOKENS (2^40); so does the
// verifier, or pq-compile would write bundles that never load.
// expected-error @below {{step: heavy must be at most 1099511627776 (PQRT_MAX_TOKENS, the largest libpqrt loads), got 4611686018427387904}}
module attributes {pq.test = #pq.step<sink = 1, window = 1, heavy = 4611686018427387904, init_offset = 1, bits = 2, metric = euclidean>} {}

// -----

// expected-error @below {{step: init_offset must be at most 1099511627776 (PQRT_MAX_TOKENS, the largest libpqrt loads), got 1099511627777}}
module attributes {pq.test = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1099511627777, bits = 2, metric = euclidean>} {}

// -----

// expected-error @below {{step: sink must be at most 1099511627776}}
module attributes {pq.test = #pq.step<sink = 4611686018427387904, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>} {}

// -----

// expected-error @below {{step: window must be at most 1099511627776}}
module attributes {pq.test = #pq.step<sink = 1, window = 4611686018427387904, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>} {}

// -----

// At the limit: accepted.
module attributes {pq.test = #pq.step<sink = 1099511627776, window = 1099511627776, heavy = 1099511627776, init_offset = 1099511627776, bits = 16, metric = euclidean>} {}
