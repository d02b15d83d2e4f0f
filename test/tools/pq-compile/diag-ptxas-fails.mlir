// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --ptxas=/bin/false -o %t.silent.pqmod 2>&1 | FileCheck %s --check-prefix=SILENT
// RUN: not ls %t.silent.pqmod
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --ptxas=%S/Inputs/failing-ptxas.sh -o %t.log.pqmod 2>&1 | FileCheck %s --check-prefix=LOG
// RUN: not ls %t.log.pqmod

// A failing ptxas is named with its exit status and its messages, or says
// that it printed nothing (it used to end in "failed for sm_80: " and
// nothing else); no bundle is written.

// SILENT: pq-compile: error: ptxas '/bin/false' failed for sm_80: exited with status 1 and printed nothing
// LOG: pq-compile: error: ptxas '{{.*}}failing-ptxas.sh' failed for sm_80: exited with status 3:
// LOG-NEXT: ptxas fatal   : Unresolved extern function 'bogus'
