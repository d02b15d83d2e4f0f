// The example is written in pq-opt's canonical form: printing it back must
// reproduce it byte for byte, and the generic form must parse back to it.
// RUN: pq-opt %examples/qwen2_5_7b.mlir | diff %examples/qwen2_5_7b.mlir -
// RUN: pq-opt %examples/qwen2_5_7b.mlir --mlir-print-op-generic | pq-opt | diff %examples/qwen2_5_7b.mlir -
