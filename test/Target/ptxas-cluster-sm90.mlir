// REQUIRES: ptxas
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --emit=ptx -o %t.llama3_8b.4096.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_cluster -DQ=16 --input-file=%t.llama3_8b.4096.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b.4096.ptx -o %t.llama3_8b.4096.cubin > %t.llama3_8b.4096.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_cluster --input-file=%t.llama3_8b.4096.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b.4096.log
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=131072 --emit=ptx -o %t.llama3_8b.131072.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_cluster -DQ=16 --input-file=%t.llama3_8b.131072.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b.131072.ptx -o %t.llama3_8b.131072.cubin > %t.llama3_8b.131072.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_cluster --input-file=%t.llama3_8b.131072.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b.131072.log
// RUN: pq-compile %examples/llama3_8b_long.mlir --target=sm_90 --max-seq-len=8192 --emit=ptx -o %t.llama3_8b_long.8192.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_long_cluster -DQ=16 --input-file=%t.llama3_8b_long.8192.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b_long.8192.ptx -o %t.llama3_8b_long.8192.cubin > %t.llama3_8b_long.8192.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_long_cluster --input-file=%t.llama3_8b_long.8192.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b_long.8192.log
// RUN: pq-compile %examples/llama3_8b_long.mlir --target=sm_90 --max-seq-len=131072 --emit=ptx -o %t.llama3_8b_long.131072.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=llama3_8b_long_cluster -DQ=16 --input-file=%t.llama3_8b_long.131072.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.llama3_8b_long.131072.ptx -o %t.llama3_8b_long.131072.cubin > %t.llama3_8b_long.131072.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=llama3_8b_long_cluster --input-file=%t.llama3_8b_long.131072.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.llama3_8b_long.131072.log
// RUN: pq-compile %examples/mha32_seed.mlir --target=sm_90 --max-seq-len=4096 --emit=ptx -o %t.mha32_seed.4096.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=mha32_seed_cluster -DQ=4 --input-file=%t.mha32_seed.4096.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.mha32_seed.4096.ptx -o %t.mha32_seed.4096.cubin > %t.mha32_seed.4096.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=mha32_seed_cluster --input-file=%t.mha32_seed.4096.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.mha32_seed.4096.log
// RUN: pq-compile %examples/mha32_seed.mlir --target=sm_90 --max-seq-len=131072 --emit=ptx -o %t.mha32_seed.131072.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=mha32_seed_cluster -DQ=4 --input-file=%t.mha32_seed.131072.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.mha32_seed.131072.ptx -o %t.mha32_seed.131072.cubin > %t.mha32_seed.131072.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=mha32_seed_cluster --input-file=%t.mha32_seed.131072.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.mha32_seed.131072.log
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_90 --max-seq-len=4096 --emit=ptx -o %t.qwen2_5_7b.4096.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=qwen2_5_7b_cluster -DQ=16 --input-file=%t.qwen2_5_7b.4096.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.qwen2_5_7b.4096.ptx -o %t.qwen2_5_7b.4096.cubin > %t.qwen2_5_7b.4096.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=qwen2_5_7b_cluster --input-file=%t.qwen2_5_7b.4096.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.qwen2_5_7b.4096.log
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_90 --max-seq-len=78208 --emit=ptx -o %t.qwen2_5_7b.78208.ptx
// RUN: FileCheck %s --check-prefix=PTX -DENTRY=qwen2_5_7b_cluster -DQ=16 --input-file=%t.qwen2_5_7b.78208.ptx --implicit-check-not=.entry --implicit-check-not=.local
// RUN: %ptxas -arch=sm_90 -v %t.qwen2_5_7b.78208.ptx -o %t.qwen2_5_7b.78208.cubin > %t.qwen2_5_7b.78208.log 2>&1
// RUN: FileCheck %s --check-prefix=LOG -DENTRY=qwen2_5_7b_cluster --input-file=%t.qwen2_5_7b.78208.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.qwen2_5_7b.78208.log

// ptxas assembles the cluster kernel of each example for sm_90, at 4096
// tokens and at 131072, and it keeps its values in registers: no stack
// frame, no spill stores or loads. llama3_8b_long runs at 8192 instead of
// 4096 (at 4096 every call takes the full-attention path, see
// ptx-llama3_8b_long.mlir), qwen2_5_7b at 78208 instead of 131072 (the
// largest bound at which its cluster still fits, tile-cluster-fallback.mlir;
// at 131072 it splits). The PTX declares the cluster shape the tiling chose
// (16 CTAs, 4 for mha32_seed's 32 kv heads) and uses the cluster's special
// register, distributed shared memory (mapa, loads and an atomic in a peer's
// shared memory) and the cluster barrier; the NVPTX backend lays the blocks
// out in an order of its own, so those are checked for presence only.

// PTX:     .visible .entry [[ENTRY]](
// PTX:     .maxntid 512, 1, 1
// PTX:     .reqnctapercluster [[Q]], 1, 1
// PTX-DAG: mov.u32 {{.+}}, %cluster_ctarank;
// PTX-DAG: mapa.shared::cluster.u64
// PTX-DAG: ld.shared::cluster.b32
// PTX-DAG: atom.shared::cluster.add.u32
// PTX-DAG: barrier.cluster.arrive;
// PTX-DAG: barrier.cluster.wait;

// LOG:      Compiling entry function '[[ENTRY]]' for 'sm_90'
// LOG-NEXT: Function properties for [[ENTRY]]
// LOG-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
