// RUN: pq-opt %s -split-input-file -verify-diagnostics

// expected-error @below {{target: chip must be sm_80 or newer (sm_NN), got 'sm_70'}}
module attributes {pq.target = #pq.target<chip = "sm_70", sms = 80, smem = 98304, max_threads = 1024, clusters = false>} {}

// -----

// expected-error @below {{target: chip must be sm_80 or newer (sm_NN), got 'gfx90a'}}
module attributes {pq.target = #pq.target<chip = "gfx90a", sms = 80, smem = 98304, max_threads = 1024, clusters = false>} {}

// -----

// expected-error @below {{target: sms must be > 0, got 0}}
module attributes {pq.target = #pq.target<chip = "sm_80", sms = 0, smem = 98304, max_threads = 1024, clusters = false>} {}

// -----

// expected-error @below {{target: smem must be >= 49152 bytes, got 1024}}
module attributes {pq.target = #pq.target<chip = "sm_80", sms = 108, smem = 1024, max_threads = 1024, clusters = false>} {}

// -----

// expected-error @below {{target: max_threads must be a multiple of 32 in [32, 1024], got 1000}}
module attributes {pq.target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1000, clusters = false>} {}

// -----

// expected-error @below {{target: clusters need sm_90 or newer, got 'sm_80'}}
module attributes {pq.target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = true>} {}
