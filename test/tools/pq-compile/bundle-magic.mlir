// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --no-cubin -o %t.pqmod
// RUN: head -c 8 %t.pqmod | FileCheck %s --check-prefix=MAGIC
// RUN: head -c 4000 %t.pqmod | FileCheck %s

// A bundle starts with the magic `PQMOD01\n` and an 8-byte length, then the
// manifest as JSON text (llvm::json, keys in sorted order, two-space indent).

// MAGIC: {{^}}PQMOD01{{$}}

// CHECK:      PQMOD01
// CHECK:      "content_hash": "fnv1a64:{{[0-9a-f]+}}",
// CHECK-NEXT: "entry": "llama3_8b",
// CHECK-NEXT: "format": "pqmod",
// CHECK-NEXT: "images": [
// CHECK:      "producer": "pq-compile",
// CHECK:      "strategy": "row",
// CHECK:      "version": 1,
// CHECK-NEXT: "workspace_bytes_per_batch": 0
// CHECK-NEXT: }
