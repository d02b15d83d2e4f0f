//===- Chain.cpp - Indexer chains and why one does not fuse ---------------===//
//
// The fused op replaces the chain at the gen_indices, so the chain's ops
// move down to that point: sound only when nothing in between touches
// memory they depend on. Every rule that keeps a chain apart returns its
// reason, so a failed lowering can name it.
//
//===----------------------------------------------------------------------===//

#include "pq/Utils/Chain.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir::pq {

namespace {

MemRefType memrefOf(Value value) { return cast<MemRefType>(value.getType()); }

/// Whether `op` (with everything nested in it) may write or free memory, or
/// (with `readsConflict`) read it. Unknown effects count as all of these.
bool touchesMemory(Operation *op, bool readsConflict) {
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
LogicalResult canSinkToGenIndices(Chain chain, std::string &whyNot) {
  for (Operation *op = chain.first()->getNextNode();
       op != chain.genIndices.getOperation(); op = op->getNextNode()) {
    if (!chain.contains(op) && touchesMemory(op, /*readsConflict=*/
                                             bool(chain.quantize))) {
      whyNot = "'" + op->getName().getStringRef().str() +
               "' between the chain's ops may " +
               (chain.quantize ? "read or write memory (the pq.quantize "
                                 "writes the codebook)"
                               : "write memory the chain reads");
      return failure();
    }
  }
  return success();
}

/// The chain's ops each check their own operands; the fused op checks them
/// all against each other. A batch size fixed by the query and another one
/// fixed by the outputs, joined only through dynamic sizes, meet for the first
/// time there: such a chain stays unfused rather than yield an invalid op.
LogicalResult fusedShapesAgree(Chain chain, std::string &whyNot) {
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
      whyNot = "its operands fix different batch sizes (" +
               std::to_string(batch) + " and " + std::to_string(size) + ")";
      return failure();
    }
    batch = size;
  }
  Value phi = chain.quantize ? chain.quantize.getPhi() : Value();
  if (!phi || ShapedType::isDynamic(batch) || memrefOf(phi).isDynamicDim(0)) {
    return success();
  }
  // Centroids are [b, h_kv, S, C, ds'] with static h_kv and S.
  MemRefType centroids = memrefOf(score.getCentroids());
  if (memrefOf(phi).getDimSize(0) !=
      batch * centroids.getDimSize(1) * centroids.getDimSize(2)) {
    whyNot = "its phi is not [batch * kv_heads * subspaces] for batch " +
             std::to_string(batch);
    return failure();
  }
  return success();
}

/// Why `quantize` does not fill exactly what `reader` (the pq.score, or the
/// pq.indexer the rest of the chain became) reads; empty when it does. The
/// verifier already requires one #pq.step.
template <typename Reader>
std::string inputsDiffer(QuantizeOp quantize, Reader reader) {
  const std::string its =
      "its '" + reader->getName().getStringRef().str() + "'";
  if (quantize->getBlock() != reader->getBlock()) {
    return "it is not in the block of " + its;
  }
  if (quantize.getCodes() != reader.getCodes()) {
    return "it fills another codebook than the one " + its + " reads";
  }
  if (quantize.getCentroids() != reader.getCentroids()) {
    return "its centroids are not those of " + its;
  }
  if (quantize.getSeqLen() != reader.getSeqLen()) {
    return "its seq_len is not that of " + its;
  }
  if (quantize.getLayout() != reader.getLayout()) {
    return "its layout is not that of " + its;
  }
  // pq.indexer requires the key and query element types to match.
  if (memrefOf(quantize.getKey()).getElementType() !=
      memrefOf(reader.getQuery()).getElementType()) {
    return "its key element type differs from the query's";
  }
  return "";
}

/// A quantize joins when it fills exactly the codebook the score reads and
/// every other user of its count can take the fused op's result instead
/// (which is defined at the gen_indices).
LogicalResult quantizeCanJoin(QuantizeOp quantize, Chain chain,
                              DominanceInfo &dominance, std::string &whyNot) {
  whyNot = inputsDiffer(quantize, chain.score);
  if (!whyNot.empty()) {
    return failure();
  }
  for (Operation *user : quantize.getNumCodes().getUsers()) {
    if (user != chain.score.getOperation() &&
        !dominance.properlyDominates(chain.genIndices.getOperation(), user)) {
      whyNot = "its code count is used before the pq.gen_indices (by '" +
               user->getName().getStringRef().str() + "')";
      return failure();
    }
  }
  Chain whole = chain;
  whole.quantize = quantize;
  if (failed(fusedShapesAgree(whole, whyNot)) ||
      failed(canSinkToGenIndices(whole, whyNot))) {
    return failure();
  }
  return success();
}

/// The score -> topk -> gen_indices part, with single-use intermediates and
/// one seq_len, in one block.
FailureOr<Chain> matchTail(GenIndicesOp gen, std::string &whyNot) {
  auto topk = gen.getHeavy().getDefiningOp<TopKOp>();
  if (!topk) {
    whyNot = "the heavy indices of its pq.gen_indices do not come from a "
             "pq.topk";
    return failure();
  }
  if (!topk.getHeavy().hasOneUse()) {
    whyNot = "the heavy indices of its pq.topk have other uses";
    return failure();
  }
  auto score = topk.getScores().getDefiningOp<ScoreOp>();
  if (!score) {
    whyNot = "the scores of its pq.topk do not come from a pq.score";
    return failure();
  }
  if (!score.getScores().hasOneUse()) {
    whyNot = "the scores of its pq.score have other uses";
    return failure();
  }
  Block *block = gen->getBlock();
  if (topk->getBlock() != block || score->getBlock() != block) {
    whyNot = "its pq.score, pq.topk and pq.gen_indices are not in one block";
    return failure();
  }
  if (topk.getSeqLen() != gen.getSeqLen() ||
      score.getSeqLen() != gen.getSeqLen()) {
    whyNot = "its pq.score, pq.topk and pq.gen_indices take different "
             "seq_len values";
    return failure();
  }
  return Chain{QuantizeOp(), score, topk, gen};
}

/// The pq.gen_indices that `op`'s chain ends in, following the single
/// users down; null when the chain breaks off (and `whyNot` says where).
GenIndicesOp findGenIndices(Operation *op, std::string &whyNot) {
  auto firstUser = [](Value value, auto type) -> decltype(type) {
    for (Operation *user : value.getUsers()) {
      if (auto typed = dyn_cast<decltype(type)>(user)) {
        return typed;
      }
    }
    return decltype(type)();
  };
  if (auto quantize = dyn_cast<QuantizeOp>(op)) {
    op = firstUser(quantize.getNumCodes(), ScoreOp()).getOperation();
    if (!op) {
      whyNot = "no pq.score reads the codes it fills";
      return GenIndicesOp();
    }
  }
  if (auto score = dyn_cast<ScoreOp>(op)) {
    op = firstUser(score.getScores(), TopKOp()).getOperation();
    if (!op) {
      whyNot = "no pq.topk reads its scores";
      return GenIndicesOp();
    }
  }
  if (auto topk = dyn_cast<TopKOp>(op)) {
    op = firstUser(topk.getHeavy(), GenIndicesOp()).getOperation();
    if (!op) {
      whyNot = "no pq.gen_indices reads its heavy indices";
      return GenIndicesOp();
    }
  }
  return dyn_cast<GenIndicesOp>(op);
}

} // namespace

FailureOr<Chain> matchFusableChain(GenIndicesOp gen, DominanceInfo &dominance,
                                   std::string &whyNot) {
  FailureOr<Chain> chain = matchTail(gen, whyNot);
  if (failed(chain) || failed(fusedShapesAgree(*chain, whyNot))) {
    return failure();
  }
  // Prefer the whole chain; when the quantize cannot move, the rest can
  // still fuse behind it.
  if (auto quantize = chain->score.getNumCodes().getDefiningOp<QuantizeOp>()) {
    std::string quantizeStays;
    if (succeeded(
            quantizeCanJoin(quantize, *chain, dominance, quantizeStays))) {
      chain->quantize = quantize;
      return chain;
    }
  }
  if (failed(canSinkToGenIndices(*chain, whyNot))) {
    return failure();
  }
  return chain;
}

std::string explainUnfused(Operation *op) {
  // The pipeline runs pq-fuse on the functions of the top-level module.
  auto func = op->getParentOfType<func::FuncOp>();
  Operation *parent = func ? func->getParentOp() : nullptr;
  if (!parent || !isa<ModuleOp>(parent) || parent->getParentOp()) {
    return "it is not in a func.func of the top-level module, where alone "
           "pq-fuse and pq-compile take steps from; nested modules are not "
           "compiled";
  }
  if (auto quantize = dyn_cast<QuantizeOp>(op)) {
    // The rest of its chain may have fused without it.
    for (Operation *user : quantize.getNumCodes().getUsers()) {
      if (auto indexer = dyn_cast<IndexerOp>(user)) {
        std::string differs = inputsDiffer(quantize, indexer);
        return !differs.empty()
                   ? differs
                   : "the rest of its chain became a pq.indexer without it: "
                     "its code count has other early uses, or an op in "
                     "between touches memory";
      }
    }
  }
  std::string whyNot;
  GenIndicesOp gen = findGenIndices(op, whyNot);
  if (!gen) {
    return whyNot.empty() ? "it is not part of a quantize -> score -> topk "
                            "-> gen_indices chain"
                          : whyNot;
  }
  DominanceInfo dominance(func);
  FailureOr<Chain> chain = matchFusableChain(gen, dominance, whyNot);
  if (failed(chain)) {
    return whyNot;
  }
  if (auto quantize = dyn_cast<QuantizeOp>(op)) {
    // The rest of the chain fuses; this quantize could not join it.
    whyNot.clear();
    if (failed(quantizeCanJoin(quantize, *chain, dominance, whyNot))) {
      return whyNot;
    }
  }
  return "pq-fuse has not run on it";
}

} // namespace mlir::pq
