// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --phase-timers --no-cubin -o %t.row.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.row.pqmod | FileCheck %s --check-prefix=ROW
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=4 --no-cubin -o %t.plain.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.plain.pqmod | FileCheck %s --check-prefix=PLAIN
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=4 --phase-timers --no-cubin -o %t.cluster.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.cluster.pqmod | FileCheck %s --check-prefix=CLUSTER
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=4 --phase-timers --emit=ptx -o %t.cluster.ptx
// RUN: FileCheck %s --check-prefix=PTX --input-file=%t.cluster.ptx
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=4 --emit=ptx -o %t.plain.ptx
// RUN: FileCheck %s --check-prefix=NONE --input-file=%t.plain.ptx --implicit-check-not=globaltimer
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=131072 --phase-timers --emit=mlir -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT

// --phase-timers (docs/BUNDLE.md, Phase timers): the kernel names its
// marks in the manifest, and the workspace grows by 8 bytes per CTA of the
// grid's x extent and per mark. The `row` kernel, which has no workspace
// of its own, gets one for the timers alone: 8 CTAs x 4 marks x 8 bytes.

// ROW:      workspace_bytes_per_batch: 256
// ROW:      param 7: workspace memref
// ROW:      kernel llama3_8b_row grid=[8, batch, 1]
// ROW-NEXT: kernel llama3_8b_row phase_timers: start tables scored rows_written

// The cluster kernel: 32 CTAs x 18 marks x 8 bytes = 4608 bytes after the
// step's own rows.

// PLAIN:     workspace_bytes_per_batch: 1015808
// PLAIN-NOT: phase_timers
// CLUSTER:      workspace_bytes_per_batch: 1020416
// CLUSTER:      kernel llama3_8b_cluster grid=[32, batch, 1]
// CLUSTER-NEXT: kernel llama3_8b_cluster phase_timers: start tables quantized bounds scored histograms_synced slice_reduced slices_synced threshold_bins bin_sweep candidates_synced exact_thresholds candidates_counted offsets last_row_start last_row_kept written end

// Each mark is one %globaltimer read by thread 0; none without the flag.

// PTX-COUNT-18: mov.u64 %rd{{[0-9]+}}, %globaltimer;
// PTX-NOT:      %globaltimer
// NONE:         .entry llama3_8b_cluster

// The split strategy's two kernels are refused with the reason.

// SPLIT: error: convert-pq-to-gpu: phase-timers records the one-kernel strategies (row, cluster), not split
