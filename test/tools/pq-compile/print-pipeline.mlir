// RUN: pq-compile --target=sm_90 --print-pipeline | FileCheck %s
// RUN: pq-compile --target=sm_80 --max-seq-len=4096 --print-pipeline | FileCheck %s --check-prefix=SM80

// --print-pipeline prints the passes pq-compile runs (and reads no input):
// fuse, tile for the target and bound, lower to GPU, clean up, lower the
// gpu.module to NVVM, and serialize it to PTX.

// CHECK:      func.func(pq-fuse)
// CHECK-SAME: pq-tile{max-seq-len=131072 target=sm_90}
// CHECK-SAME: convert-pq-to-gpu
// CHECK-SAME: canonicalize
// CHECK-SAME: cse
// CHECK-SAME: gpu.module(convert-scf-to-cf
// CHECK-SAME: convert-gpu-to-nvvm
// CHECK-SAME: reconcile-unrealized-casts)
// CHECK-SAME: gpu-module-to-binary{format=isa

// SM80: pq-tile{max-seq-len=4096 target=sm_80}
