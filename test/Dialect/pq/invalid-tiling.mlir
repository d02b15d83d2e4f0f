// RUN: pq-opt %s -split-input-file -verify-diagnostics

// expected-error @below {{tiling: threads must be a multiple of 32 in [32, 1024], got 100}}
module attributes {pq.test = #pq.tiling<strategy = row, threads = 100, ctas_per_row = 1, max_seq_len = 4096, smem = 0>} {}

// -----

// expected-error @below {{tiling: strategy row needs ctas_per_row = 1, got 2}}
module attributes {pq.test = #pq.tiling<strategy = row, threads = 256, ctas_per_row = 2, max_seq_len = 4096, smem = 0>} {}

// -----

// expected-error @below {{tiling: ctas_per_row must be >= 1, got 0}}
module attributes {pq.test = #pq.tiling<strategy = split, threads = 256, ctas_per_row = 0, max_seq_len = 4096, smem = 0>} {}

// -----

// expected-error @below {{tiling: max_seq_len must be in [1, 16777216], got 0}}
module attributes {pq.test = #pq.tiling<strategy = split, threads = 256, ctas_per_row = 2, max_seq_len = 0, smem = 0>} {}

// -----

// expected-error @below {{tiling: smem must be >= 0, got -1}}
module attributes {pq.test = #pq.tiling<strategy = split, threads = 256, ctas_per_row = 2, max_seq_len = 10, smem = -1>} {}

// -----

// expected-error @below {{tiling: max_seq_len must be in [1, 16777216], got 16777217}}
module attributes {pq.test = #pq.tiling<strategy = split, threads = 256, ctas_per_row = 2, max_seq_len = 16777217, smem = 0>} {}
