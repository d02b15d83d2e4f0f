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

// -----

// A cluster is ctas_per_row CTAs, at most 16 (sm_90's non-portable limit).
// expected-error @below {{tiling: strategy cluster needs ctas_per_row (the cluster size) in [1, 16], got 17}}
module attributes {pq.test = #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 17, max_seq_len = 4096, smem = 0>} {}

// -----

// expected-error @below {{tiling: strategy cluster needs ctas_per_row (the cluster size) in [1, 16], got 32}}
module attributes {pq.test = #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 32, max_seq_len = 4096, smem = 0>} {}

// -----

// A cluster kernel runs two CTAs of 256 threads or one of 512 on an SM.
// expected-error @below {{tiling: strategy cluster needs 256 or 512 threads (two or one CTAs per SM), got 1024}}
module attributes {pq.test = #pq.tiling<strategy = cluster, threads = 1024, ctas_per_row = 16, max_seq_len = 4096, smem = 0>} {}

// -----

// expected-error @below {{tiling: strategy cluster needs 256 or 512 threads (two or one CTAs per SM), got 128}}
module attributes {pq.test = #pq.tiling<strategy = cluster, threads = 128, ctas_per_row = 16, max_seq_len = 4096, smem = 0>} {}

// -----

// expected-error @below {{tiling: ctas_per_row must be >= 1, got 0}}
module attributes {pq.test = #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 0, max_seq_len = 4096, smem = 0>} {}

// -----

// expected-error @below {{expected ::mlir::pq::Strategy to be one of: row, split, cluster}}
// expected-error @below {{failed to parse PQ_TilingAttr parameter 'strategy'}}
module attributes {pq.test = #pq.tiling<strategy = tiles, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 0>} {}

// -----

// expected-error @below {{tiling: row_groups must be >= 1, got 0}}
module attributes {pq.test = #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 4, max_seq_len = 4096, smem = 0, row_groups = 0>} {}

// -----

// Row groups split a query group over clusters; row and split kernels serve
// whole groups.
// expected-error @below {{tiling: row_groups 2 needs strategy cluster (row and split serve a whole query group)}}
module attributes {pq.test = #pq.tiling<strategy = split, threads = 512, ctas_per_row = 4, max_seq_len = 4096, smem = 0, row_groups = 2>} {}
