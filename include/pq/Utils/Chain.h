//===- Chain.h - Indexer chains and why one does not fuse -------*- C++ -*-===//
//
// One owner of the rules for when quantize -> score -> topk -> gen_indices
// becomes one pq.indexer: pq-fuse applies them, and convert-pq-to-gpu uses
// the same rules to say why an op it cannot lower was left unfused.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_UTILS_CHAIN_H
#define PQ_UTILS_CHAIN_H

#include "dialects/pq/PQDialect.h"

#include "mlir/IR/Dominance.h"

#include <string>

namespace mlir::pq {

/// One fusable chain. `quantize` is null when the codebook is already filled
/// (or the quantize cannot join) and the fused op starts at the score.
struct Chain {
  QuantizeOp quantize;
  ScoreOp score;
  TopKOp topk;
  GenIndicesOp genIndices;

  Operation *first() {
    return quantize ? quantize.getOperation() : score.getOperation();
  }
  bool contains(Operation *op) {
    return op == quantize.getOperation() || op == score.getOperation() ||
           op == topk.getOperation() || op == genIndices.getOperation();
  }
};

/// The chain ending at `gen` that pq-fuse replaces by one pq.indexer: the
/// whole chain when the quantize producing the score's count can join, else
/// score -> topk -> gen_indices. Failure with the reason in `whyNot` (a
/// phrase such as "the scores of its pq.score have other uses").
FailureOr<Chain> matchFusableChain(GenIndicesOp gen, DominanceInfo &dominance,
                                   std::string &whyNot);

/// Why pq-fuse left `op` (a quantize, score, topk or gen_indices) outside a
/// pq.indexer, as a phrase for a diagnostic.
std::string explainUnfused(Operation *op);

} // namespace mlir::pq

#endif // PQ_UTILS_CHAIN_H
