// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=16 --emit=ptx -o %t.cluster.ptx
// RUN: FileCheck %s --check-prefixes=KEY,HIST --input-file=%t.cluster.ptx --implicit-check-not=__nv_
// RUN: pq-compile %examples/mha32_seed.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx -o %t.row.ptx
// RUN: FileCheck %s --check-prefix=KEY --input-file=%t.row.ptx --implicit-check-not=__nv_

// The per-(key, row) instructions of the scoring loop, which every strategy
// runs (ScoreEmitter.cpp). The score starts from the first table entry (no
// 0 + t), and its order key is four instructions: maxNum with -inf drops a
// NaN, adding +0 turns -0 into +0, then the sign's arithmetic shift and one
// xor with it | 2^31 flip the bits; no libdevice call (fmaxf) anywhere.

// KEY:      max.f32 [[M:%r[0-9]+]], [[S:%r[0-9]+]], 0fFF800000;
// KEY-NEXT: add.rn.f32 [[Z:%r[0-9]+]], [[M]], 0f00000000;
// KEY-NEXT: shr.s32 [[SIGN:%r[0-9]+]], [[Z]], 31;
// KEY-NEXT: or.b32 [[FLIP:%r[0-9]+]], [[SIGN]], -2147483648;
// KEY-NEXT: xor.b32 %r{{[0-9]+}}, [[FLIP]], [[Z]];

// The cluster kernel's histogram bins the same score with one FMA (the row's
// scale and bias, loaded once per item) and a maxNum/minNum clamp to
// [0, 2047] before the shared-memory count.

// HIST:      fma.rn.f32 [[X:%r[0-9]+]], [[S]], %r{{[0-9]+}}, %r{{[0-9]+}};
// HIST-NEXT: max.f32 [[LOW:%r[0-9]+]], [[X]], 0f00000000;
// HIST-NEXT: min.f32 [[CLAMPED:%r[0-9]+]], [[LOW]], 0f44FFE000;
// HIST-NEXT: cvt.rzi.u32.f32 %r{{[0-9]+}}, [[CLAMPED]];
// HIST:      atom.shared.add.u32 %r{{[0-9]+}}, [%rd{{[0-9]+}}+{{[0-9]+}}], 1;
