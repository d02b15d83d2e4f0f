//===- PQFuse.cpp - Fuse an indexer chain into pq.indexer -----------------===//
//
// quantize -> score -> topk -> gen_indices becomes one pq.indexer placed where
// gen_indices was, so the scores and heavy indices never reach memory. Which
// chains qualify is pq/Utils/Chain.h's to decide.
//
//===----------------------------------------------------------------------===//

#include "pq/Transforms/Passes.h"
#include "pq/Utils/Chain.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::pq {
#define GEN_PASS_DEF_PQFUSEPASS
#include "pq/Transforms/Passes.h.inc"

namespace {

struct PQFusePass final : impl::PQFusePassBase<PQFusePass> {
  using Base::Base;
  void runOnOperation() override;
};

} // namespace

/// Replaces the chain by one pq.indexer at the gen_indices.
static void fuse(Chain chain) {
  QuantizeOp quantize = chain.quantize;
  ScoreOp score = chain.score;
  GenIndicesOp gen = chain.genIndices;

  SmallVector<Location> locs;
  if (quantize) {
    locs.push_back(quantize.getLoc());
  }
  locs.append({score.getLoc(), chain.topk.getLoc(), gen.getLoc()});

  OpBuilder builder(gen);
  // Without the quantize, the codes already filled are the ones the score
  // reads.
  Value numCached = quantize ? quantize.getNumCached() : score.getNumCodes();
  auto fused = IndexerOp::create(
      builder, builder.getFusedLoc(locs), builder.getIndexType(),
      score.getQuery(), quantize ? quantize.getKey() : Value(),
      score.getCentroids(), quantize ? quantize.getPhi() : Value(),
      score.getCodes(), numCached, gen.getSeqLen(), gen.getSparseList(),
      gen.getSparseLen(), gen.getWeightList(), score.getLayoutAttr(),
      chain.topk.getTieAttr(), gen.getStep(), /*tiling=*/TilingAttr());

  gen.erase();
  chain.topk.erase();
  score.erase();
  if (quantize) {
    quantize.getNumCodes().replaceAllUsesWith(fused.getNumCodes());
    quantize.erase();
  }
}

void PQFusePass::runOnOperation() {
  SmallVector<GenIndicesOp> candidates;
  getOperation().walk([&](GenIndicesOp op) { candidates.push_back(op); });

  auto &dominance = getAnalysis<DominanceInfo>();
  for (GenIndicesOp gen : candidates) {
    // A chain that cannot fuse stays as it is; convert-pq-to-gpu reports it
    // with the same reason (explainUnfused).
    std::string whyNot;
    FailureOr<Chain> chain = matchFusableChain(gen, dominance, whyNot);
    if (succeeded(chain)) {
      fuse(*chain);
    }
  }
}

} // namespace mlir::pq
