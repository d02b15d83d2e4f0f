// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --no-cubin -o %t.no-such-dir/out.pqmod 2>&1 | FileCheck %s
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --ptxas=%t.no-such-ptxas -o %t.pqmod 2>&1 | FileCheck %s --check-prefix=PTXAS

// An output that cannot be created, or a --ptxas that is not an executable,
// is an error rather than a partial bundle.

// CHECK: pq-compile: error: {{.*}}no-such-dir
// PTXAS: pq-compile: error: --ptxas '{{.*}}no-such-ptxas' is not an executable
