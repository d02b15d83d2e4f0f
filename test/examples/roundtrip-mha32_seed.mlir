// The example is written in pq-opt's canonical form: printing it back must
// reproduce it byte for byte, and the generic form must parse back to it.
// RUN: pq-opt %examples/mha32_seed.mlir | diff %examples/mha32_seed.mlir -
// RUN: pq-opt %examples/mha32_seed.mlir --mlir-print-op-generic | pq-opt | diff %examples/mha32_seed.mlir -
