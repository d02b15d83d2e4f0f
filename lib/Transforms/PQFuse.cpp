//===- PQFuse.cpp - Fuse an indexer chain into pq.indexer -----------------===//
//
// quantize -> score -> topk -> gen_indices becomes one pq.indexer placed where
// gen_indices was, so the scores and heavy indices never reach memory. The
// chain's ops move down to that point, which is only sound when nothing in
// between touches memory they depend on.
//
//===----------------------------------------------------------------------===//

#include "pq/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::pq {
#define GEN_PASS_DEF_PQFUSEPASS
#include "pq/Transforms/Passes.h.inc"

namespace {

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

struct PQFusePass final : impl::PQFusePassBase<PQFusePass> {
  using Base::Base;
  void runOnOperation() override;
};

} // namespace

static MemRefType memrefOf(Value value) {
  return cast<MemRefType>(value.getType());
}

/// Whether `op` (with everything nested in it) may write or free memory, or
/// (with `readsConflict`) read it. Unknown effects count as all of these.
static bool touchesMemory(Operation *op, bool readsConflict) {
  std::optional<SmallVector<MemoryEffects::EffectInstance>> effects =
      getEffectsRecursively(op);
  if (!effects) {
    return true;
  }
  return llvm::any_of(*effects, [&](const MemoryEffects::EffectInstance &it) {
    MemoryEffects::Effect *effect = it.getEffect();
    return isa<MemoryEffects::Write, MemoryEffects::Free>(effect) ||
           (readsConflict && isa<MemoryEffects::Read>(effect));
  });
}

/// The chain's ops all move to gen_indices. Score and topk only read, so a
/// write in between could change what they see; a quantize writes the
/// codebook, so any read in between could see it too early or too late.
static bool canSinkToGenIndices(Chain chain) {
  for (Operation *op = chain.first()->getNextNode();
       op != chain.genIndices.getOperation(); op = op->getNextNode()) {
    if (!chain.contains(op) && touchesMemory(op, /*readsConflict=*/
                                             bool(chain.quantize))) {
      return false;
    }
  }
  return true;
}

/// The chain's ops each check their own operands; the fused op checks them
/// all against each other. A batch size fixed by the query and another one
/// fixed by the outputs, joined only through dynamic sizes, meet for the first
/// time there: such a chain stays unfused rather than yield an invalid op.
static bool fusedShapesAgree(Chain chain) {
  ScoreOp score = chain.score;
  GenIndicesOp gen = chain.genIndices;
  SmallVector<Value> batched = {score.getQuery(),   score.getCentroids(),
                                score.getCodes(),   gen.getSparseList(),
                                gen.getSparseLen(), gen.getWeightList()};
  if (chain.quantize) {
    batched.push_back(chain.quantize.getKey());
  }
  int64_t batch = ShapedType::kDynamic;
  for (Value value : batched) {
    int64_t size = memrefOf(value).getDimSize(0);
    if (ShapedType::isDynamic(size)) {
      continue;
    }
    if (!ShapedType::isDynamic(batch) && size != batch) {
      return false;
    }
    batch = size;
  }
  Value phi = chain.quantize ? chain.quantize.getPhi() : Value();
  if (!phi || ShapedType::isDynamic(batch) || memrefOf(phi).isDynamicDim(0)) {
    return true;
  }
  // Centroids are [b, h_kv, S, C, ds'] with static h_kv and S.
  MemRefType centroids = memrefOf(score.getCentroids());
  return memrefOf(phi).getDimSize(0) ==
         batch * centroids.getDimSize(1) * centroids.getDimSize(2);
}

/// A quantize joins when it fills exactly the codebook the score reads, with
/// the same settings, and every other user of its count can take the fused
/// op's result instead (which is defined at the gen_indices).
static bool quantizeCanJoin(QuantizeOp quantize, Chain chain,
                            DominanceInfo &dominance) {
  ScoreOp score = chain.score;
  if (quantize->getBlock() != score->getBlock() ||
      quantize.getCodes() != score.getCodes() ||
      quantize.getCentroids() != score.getCentroids() ||
      quantize.getSeqLen() != score.getSeqLen() ||
      quantize.getStep() != score.getStep() ||
      quantize.getLayout() != score.getLayout()) {
    return false;
  }
  // pq.indexer requires the key and query element types to match.
  if (memrefOf(quantize.getKey()).getElementType() !=
      memrefOf(score.getQuery()).getElementType()) {
    return false;
  }
  for (Operation *user : quantize.getNumCodes().getUsers()) {
    if (user != score.getOperation() &&
        !dominance.properlyDominates(chain.genIndices.getOperation(), user)) {
      return false;
    }
  }
  return true;
}

/// The score -> topk -> gen_indices part, with single-use intermediates and
/// one step and seq_len, in one block.
static std::optional<Chain> matchChain(GenIndicesOp gen) {
  auto topk = gen.getHeavy().getDefiningOp<TopKOp>();
  if (!topk || !topk.getHeavy().hasOneUse()) {
    return std::nullopt;
  }
  auto score = topk.getScores().getDefiningOp<ScoreOp>();
  if (!score || !score.getScores().hasOneUse()) {
    return std::nullopt;
  }
  Block *block = gen->getBlock();
  if (topk->getBlock() != block || score->getBlock() != block) {
    return std::nullopt;
  }
  if (topk.getStep() != gen.getStep() || score.getStep() != gen.getStep() ||
      topk.getSeqLen() != gen.getSeqLen() ||
      score.getSeqLen() != gen.getSeqLen()) {
    return std::nullopt;
  }
  return Chain{QuantizeOp(), score, topk, gen};
}

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
    std::optional<Chain> chain = matchChain(gen);
    if (!chain || !fusedShapesAgree(*chain)) {
      continue;
    }
    // Prefer the whole chain; when the quantize cannot move, the rest can
    // still fuse behind it.
    if (auto quantize = chain->score.getNumCodes().getDefiningOp<QuantizeOp>();
        quantize && quantizeCanJoin(quantize, *chain, dominance)) {
      Chain withQuantize = *chain;
      withQuantize.quantize = quantize;
      if (fusedShapesAgree(withQuantize) && canSinkToGenIndices(withQuantize)) {
        chain = withQuantize;
      }
    }
    if (!canSinkToGenIndices(*chain)) {
      continue;
    }
    fuse(*chain);
  }
}

} // namespace mlir::pq
