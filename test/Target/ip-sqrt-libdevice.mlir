// The PTX must not depend on the environment pq-compile runs in. The ip
// metric's augmented coordinate sqrt(max(phi - ||x||^2, 0)) is a math.sqrt
// that convert-gpu-to-nvvm turns into a call to libdevice's __nv_sqrtf;
// gpu-module-to-binary links libdevice only when it finds the CUDA toolkit
// through CUDA_HOME / CUDA_PATH / CUDA_ROOT. Without them the PTX keeps
// `.extern .func __nv_sqrtf` and a `call`, which ptxas rejects
// ("Unresolved extern function '__nv_sqrtf'") and a driver cannot JIT; with
// them the call becomes sqrt.approx.f32 (libdevice's __CUDA_PREC_SQRT = 0).
// The kernels therefore call llvm.nvvm.sqrt.rn.f directly: sqrt.rn.f32,
// correctly rounded like the CPU reference, in any environment.

// RUN: env -u CUDA_HOME -u CUDA_PATH -u CUDA_ROOT pq-compile %examples/qwen2_5_7b.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx | FileCheck %s --implicit-check-not=__nv_ --implicit-check-not=.func

// CHECK: .visible .entry qwen2_5_7b_row(
// CHECK: sqrt.rn.f32
