// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --emit=bogus 2>&1 | FileCheck %s
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --no-such-flag 2>&1 | FileCheck %s --check-prefix=FLAG

// Unknown stages and flags are command-line errors.

// CHECK: for the --emit option: Cannot find option named 'bogus'!
// FLAG:  Unknown command line argument '--no-such-flag'
