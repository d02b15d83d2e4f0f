// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=-4096 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=9223372036854775807 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=lots 2>&1 | FileCheck %s --check-prefix=JUNK

// The sequence bound must be positive and small enough for 32-bit key
// counts (a huge bound once overflowed the workspace size).

// ZERO:     pq-compile: error: --max-seq-len must be in [1, 16777216], got 0
// NEGATIVE: pq-compile: error: --max-seq-len must be in [1, 16777216], got -4096
// HUGE:     pq-compile: error: --max-seq-len must be in [1, 16777216], got 9223372036854775807
// JUNK:     for the --max-seq-len option: '{{.*}}lots' value invalid
