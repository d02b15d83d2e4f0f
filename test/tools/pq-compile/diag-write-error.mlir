// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --no-cubin -o /dev/full 2>&1 | FileCheck %s --check-prefix=BUNDLE --implicit-check-not="LLVM ERROR"
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx > /dev/full 2> %t.ptx.err
// RUN: FileCheck %s --check-prefix=STDOUT --implicit-check-not="LLVM ERROR" < %t.ptx.err
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --emit=mlir -o /dev/full 2>&1 | FileCheck %s --check-prefix=BUNDLE --implicit-check-not="LLVM ERROR"
// RUN: not pq-compile --target=sm_80 --print-pipeline > /dev/full 2> %t.pipeline.err
// RUN: FileCheck %s --check-prefix=STDOUT --implicit-check-not="LLVM ERROR" < %t.pipeline.err
// RUN: not pq-opt %examples/llama3_8b.mlir -o /dev/full 2>&1 | FileCheck %s --check-prefix=OPT --implicit-check-not="LLVM ERROR"

// A failed write (here: a full device) is a diagnostic naming the output
// and the reason, and exit status 1; before, LLVM aborted with "IO failure
// on output stream".

// BUNDLE: pq-compile: error: cannot write '/dev/full': No space left on device
// STDOUT: pq-compile: error: cannot write '<stdout>': No space left on device
// OPT: pq-opt: error: cannot write '/dev/full': No space left on device
