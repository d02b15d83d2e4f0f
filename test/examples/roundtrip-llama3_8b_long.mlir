// The example is written in pq-opt's canonical form: printing it back must
// reproduce it byte for byte, and the generic form must parse back to it.
// RUN: pq-opt %examples/llama3_8b_long.mlir | diff %examples/llama3_8b_long.mlir -
// RUN: pq-opt %examples/llama3_8b_long.mlir --mlir-print-op-generic | pq-opt | diff %examples/llama3_8b_long.mlir -
