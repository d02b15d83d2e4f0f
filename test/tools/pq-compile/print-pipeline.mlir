// RUN: pq-compile --target=sm_90 --print-pipeline | FileCheck %s
// RUN: pq-compile --target=sm_80 --max-seq-len=4096 --print-pipeline | FileCheck %s --check-prefix=SM80
// RUN: pq-compile --target=sm_90 --cluster-size=4 --print-pipeline | FileCheck %s --check-prefix=CLUSTER

// --print-pipeline prints the passes pq-compile runs (and reads no input):
// fuse, tile for the target and bound (and a fixed cluster size, 0: pq-tile
// chooses), lower to GPU, clean up, lower the gpu.module to NVVM, and
// serialize it to PTX.

// CHECK:      func.func(pq-fuse)
// CHECK-SAME: pq-tile{cluster-size=0 max-seq-len=131072 row-groups=0 target=sm_90}
// CHECK-SAME: convert-pq-to-gpu
// CHECK-SAME: canonicalize
// CHECK-SAME: cse
// CHECK-SAME: gpu.module(convert-scf-to-cf
// CHECK-SAME: convert-gpu-to-nvvm
// CHECK-SAME: reconcile-unrealized-casts)
// CHECK-SAME: gpu-module-to-binary{format=isa

// SM80: pq-tile{cluster-size=0 max-seq-len=4096 row-groups=0 target=sm_80}
// CLUSTER: pq-tile{cluster-size=4 max-seq-len=131072 row-groups=0 target=sm_90}
