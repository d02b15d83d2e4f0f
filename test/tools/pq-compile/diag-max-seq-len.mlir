// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=-4096 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=lots 2>&1 | FileCheck %s --check-prefix=JUNK

// The sequence bound must be a positive number.

// ZERO:     pq-compile: error: --max-seq-len must be >= 1, got 0
// NEGATIVE: pq-compile: error: --max-seq-len must be >= 1, got -4096
// JUNK:     for the --max-seq-len option: '{{.*}}lots' value invalid
