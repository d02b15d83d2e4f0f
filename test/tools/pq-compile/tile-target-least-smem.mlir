// RUN: pq-compile --target=sm_90 --target=sm_80 --print-pipeline | FileCheck %s --check-prefix=PIPELINE
// RUN: pq-compile %examples/llama3_8b_long.mlir --target=sm_90 --target=sm_80 --max-seq-len=12288 --emit=mlir | FileCheck %s

// One manifest serves every --target, so pq-compile tiles for the arch with
// the least shared memory: sm_80 (166912 bytes) rather than sm_90, which
// also keeps `cluster` tilings (sm_90 only) out of such bundles. At 12288
// tokens llama3_8b_long's row kernel (220400 bytes) would fit sm_90 alone,
// but with sm_80 in the bundle the step splits.

// PIPELINE: pq-tile{cluster-size=0 max-seq-len=131072 row-groups=0 target=sm_80}

// CHECK:     #pq.target<chip = "sm_80"
// CHECK:     gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_90">, #nvvm.target<O = 3, chip = "sm_80">]
// CHECK:     gpu.func @llama3_8b_long_score(
// CHECK:     gpu.func @llama3_8b_long_select(
