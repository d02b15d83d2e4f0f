// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_86 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefix=SM86
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_89 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefix=SM89

// The other chips pq-tile knows also produce PTX for themselves.

// SM86: .target sm_86{{$}}
// SM86: .visible .entry llama3_8b_row(
// SM89: .target sm_89{{$}}
// SM89: .visible .entry llama3_8b_row(
