// REQUIRES: ptxas
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=16 --emit=ptx -o %t.llama3_8b.4096.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_cluster -DQ=16 -DT=256 --input-file=%t.llama3_8b.4096.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b.4096.ptx -o %t.llama3_8b.4096.cubin > %t.llama3_8b.4096.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_cluster --input-file=%t.llama3_8b.4096.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b.4096.log
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=131072 --cluster-size=16 --row-groups=1 --emit=ptx -o %t.llama3_8b.131072.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_cluster -DQ=16 -DT=512 --input-file=%t.llama3_8b.131072.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b.131072.ptx -o %t.llama3_8b.131072.cubin > %t.llama3_8b.131072.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_cluster --input-file=%t.llama3_8b.131072.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b.131072.log
// RUN: pq-compile %examples/llama3_8b_long.mlir --target=sm_90 --max-seq-len=8192 --cluster-size=16 --emit=ptx -o %t.llama3_8b_long.8192.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_long_cluster -DQ=16 -DT=256 --input-file=%t.llama3_8b_long.8192.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b_long.8192.ptx -o %t.llama3_8b_long.8192.cubin > %t.llama3_8b_long.8192.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_long_cluster --input-file=%t.llama3_8b_long.8192.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b_long.8192.log
// RUN: pq-compile %examples/llama3_8b_long.mlir --target=sm_90 --max-seq-len=131072 --cluster-size=16 --row-groups=1 --emit=ptx -o %t.llama3_8b_long.131072.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_long_cluster -DQ=16 -DT=512 --input-file=%t.llama3_8b_long.131072.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b_long.131072.ptx -o %t.llama3_8b_long.131072.cubin > %t.llama3_8b_long.131072.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_long_cluster --input-file=%t.llama3_8b_long.131072.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b_long.131072.log
// RUN: pq-compile %examples/mha32_seed.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=4 --emit=ptx -o %t.mha32_seed.4096.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=mha32_seed_cluster -DQ=4 -DT=256 --input-file=%t.mha32_seed.4096.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.mha32_seed.4096.ptx -o %t.mha32_seed.4096.cubin > %t.mha32_seed.4096.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=mha32_seed_cluster --input-file=%t.mha32_seed.4096.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.mha32_seed.4096.log
// RUN: pq-compile %examples/mha32_seed.mlir --target=sm_90 --max-seq-len=131072 --cluster-size=4 --emit=ptx -o %t.mha32_seed.131072.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=mha32_seed_cluster -DQ=4 -DT=512 --input-file=%t.mha32_seed.131072.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.mha32_seed.131072.ptx -o %t.mha32_seed.131072.cubin > %t.mha32_seed.131072.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=mha32_seed_cluster --input-file=%t.mha32_seed.131072.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.mha32_seed.131072.log
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=16 --emit=ptx -o %t.qwen2_5_7b.4096.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=qwen2_5_7b_cluster -DQ=16 -DT=256 --input-file=%t.qwen2_5_7b.4096.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.qwen2_5_7b.4096.ptx -o %t.qwen2_5_7b.4096.cubin > %t.qwen2_5_7b.4096.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=qwen2_5_7b_cluster --input-file=%t.qwen2_5_7b.4096.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.qwen2_5_7b.4096.log
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_90 --max-seq-len=74624 --cluster-size=16 --row-groups=1 --emit=ptx -o %t.qwen2_5_7b.74624.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=qwen2_5_7b_cluster -DQ=16 -DT=512 --input-file=%t.qwen2_5_7b.74624.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.qwen2_5_7b.74624.ptx -o %t.qwen2_5_7b.74624.cubin > %t.qwen2_5_7b.74624.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=qwen2_5_7b_cluster --input-file=%t.qwen2_5_7b.74624.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.qwen2_5_7b.74624.log

// RUN: pq-compile %examples/llama3_8b_long.mlir --target=sm_90 --max-seq-len=131072 --emit=ptx -o %t.llama3_8b_long.groups.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_long_cluster -DQ=16 -DT=256 --input-file=%t.llama3_8b_long.groups.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b_long.groups.ptx -o %t.llama3_8b_long.groups.cubin > %t.llama3_8b_long.groups.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_long_cluster --input-file=%t.llama3_8b_long.groups.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b_long.groups.log
// ptxas assembles the cluster kernel of each example for sm_90, at 4096
// tokens and at 131072, and it keeps its values in registers: no stack
// frame, no spill stores or loads. --cluster-size fixes the size pq-tile
// would give each example's clusters (16 CTAs, 4 for mha32_seed's 32 kv
// heads), whether or not it would pick `cluster` at that bound
// (tile-sm90.mlir). llama3_8b_long runs at 8192 instead of 4096 (at 4096
// every call takes the full-attention path, see ptx-llama3_8b_long.mlir),
// qwen2_5_7b at 74624 instead of 131072 (the largest bound at which its
// cluster fits, tile-cluster-fallback.mlir). The CTAs have 256 threads
// (two per SM) up to 8192 tokens and 512 beyond, both with at most 128
// registers; beyond, --row-groups=1 keeps a whole query group per cluster
// (pq-tile would split the group in row groups there), and the last runs
// check pq-tile's own choice for llama3_8b_long at 131072: two row groups
// of two rows, 256 threads. The PTX declares the cluster shape and uses the cluster's
// special register, distributed shared memory (mapa, loads and an atomic in
// a peer's shared memory) and the cluster barrier; the NVPTX backend lays
// the blocks out in an order of its own, so those are checked for presence
// only.

// PTX:     .visible .entry [[ENTRY]](
// PTX:     .maxntid [[T]], 1, 1
// PTX-NEXT: .maxnreg 128
// PTX-NEXT: .explicitcluster
// PTX-NEXT: .reqnctapercluster [[Q]], 1, 1
// PTX-DAG: mov.u32 {{.+}}, %cluster_ctarank;
// PTX-DAG: mapa.shared::cluster.u64
// PTX-DAG: ld.shared::cluster.b32
// PTX-DAG: atom.shared::cluster.add.u32
// PTX-DAG: barrier.cluster.arrive;
// PTX-DAG: barrier.cluster.wait;

// LOG:      Compiling entry function '[[ENTRY]]' for 'sm_90'
// LOG-NEXT: Function properties for [[ENTRY]]
// LOG-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
