//===- PQOps.cpp - pq dialect operations ----------------------------------===//

#include "dialects/pq/PQDialect.h"
#include "dialects/pq/PQVerifyUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <string>

using namespace mlir;
using namespace mlir::pq;

/// The #pq.step of a chain op (quantize, score, topk), or null.
static StepAttr chainStep(Operation *op) {
  if (auto quantize = dyn_cast_or_null<QuantizeOp>(op)) {
    return quantize.getStep();
  }
  if (auto score = dyn_cast_or_null<ScoreOp>(op)) {
    return score.getStep();
  }
  if (auto topk = dyn_cast_or_null<TopKOp>(op)) {
    return topk.getStep();
  }
  return StepAttr();
}

/// The ops of one indexer step share one #pq.step: an op whose `input`
/// (called `what`) comes from a chain op with other settings is not a step
/// of SEMANTICS.md. Names the first setting that differs.
static LogicalResult verifySameStep(Operation *op, StepAttr step, Value input,
                                    StringRef what) {
  Operation *producer = input.getDefiningOp();
  StepAttr other = chainStep(producer);
  if (!other || other == step) {
    return success();
  }
  const struct {
    StringRef name;
    int64_t mine, theirs;
  } fields[] = {
      {"sink", step.getSink(), other.getSink()},
      {"window", step.getWindow(), other.getWindow()},
      {"heavy", step.getHeavy(), other.getHeavy()},
      {"init_offset", step.getInitOffset(), other.getInitOffset()},
      {"bits", step.getBits(), other.getBits()},
  };
  InFlightDiagnostic diag = op->emitOpError() << "step: ";
  bool named = false;
  for (const auto &field : fields) {
    if (field.mine != field.theirs) {
      diag << field.name << " = " << field.mine << " differs from "
           << field.name << " = " << field.theirs;
      named = true;
      break;
    }
  }
  if (!named) {
    diag << "metric " << stringifyMetric(step.getMetric())
         << " differs from metric " << stringifyMetric(other.getMetric());
  }
  diag << " of the '" << producer->getName() << "' that produces its " << what
       << "; the ops of one indexer step must share one #pq.step";
  return diag;
}

/// The operands every op that quantizes keys has: key, centroids, phi and
/// codebook (pq.quantize reads phi, pq.kmeans writes it).
static LogicalResult checkQuantizeTypes(StepTypeChecker &check, Value key,
                                        Value centroids, Value phi,
                                        Value codes, Layout layout) {
  if (failed(check.key(key)) || failed(check.centroids(centroids)) ||
      failed(check.phi(phi)) || failed(check.codes(codes, layout))) {
    return failure();
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  StepTypeChecker check(*this, getStep());
  return checkQuantizeTypes(check, getKey(), getCentroids(), getPhi(),
                            getCodes(), getLayout());
}

LogicalResult ScoreOp::verify() {
  if (failed(verifySameStep(*this, getStep(), getNumCodes(), "code count"))) {
    return failure();
  }
  StepTypeChecker check(*this, getStep());
  if (failed(check.query(getQuery())) ||
      failed(check.centroids(getCentroids())) ||
      failed(check.codes(getCodes(), getLayout())) ||
      failed(check.scores(getScores()))) {
    return failure();
  }
  return success();
}

LogicalResult TopKOp::verify() {
  if (failed(verifySameStep(*this, getStep(), getScores(), "scores"))) {
    return failure();
  }
  StepTypeChecker check(*this, getStep());
  if (failed(check.scores(getScores())) || failed(check.heavy(getHeavy()))) {
    return failure();
  }
  return success();
}

LogicalResult GenIndicesOp::verify() {
  if (failed(verifySameStep(*this, getStep(), getHeavy(), "heavy indices"))) {
    return failure();
  }
  StepTypeChecker check(*this, getStep());
  if (failed(check.heavy(getHeavy())) ||
      failed(check.outputs(getSparseList(), getSparseLen(), getWeightList()))) {
    return failure();
  }
  return success();
}

LogicalResult IndexerOp::verify() {
  StepTypeChecker check(*this, getStep());
  if (failed(check.query(getQuery())) ||
      (getKey() && failed(check.key(getKey()))) ||
      failed(check.centroids(getCentroids())) ||
      failed(check.codes(getCodes(), getLayout())) ||
      failed(check.outputs(getSparseList(), getSparseLen(),
                           getWeightList()))) {
    return failure();
  }
  // phi belongs to quantization: without keys there is nothing to use it on.
  if (getKey() && failed(check.phi(getPhi()))) {
    return failure();
  }
  if (!getKey() && getPhi()) {
    return emitOpError() << "phi: only used to quantize keys, but the step "
                            "has no key operand";
  }
  if (getKey()) {
    Type queryElement = getQuery().getType().getElementType();
    Type keyElement = getKey().getType().getElementType();
    if (queryElement != keyElement) {
      return emitOpError() << "key: element type must match the query's "
                           << queryElement << ", got " << keyElement;
    }
  }
  // Shapes are verified above: heads and kv_heads are static here.
  if (std::optional<TilingAttr> tiling = getTiling()) {
    int64_t group = getQuery().getType().getDimSize(1) /
                    getCentroids().getType().getDimSize(1);
    if (group % tiling->getRowGroups() != 0) {
      return emitOpError() << "tiling: row_groups " << tiling->getRowGroups()
                           << " must divide the query group (heads / kv_heads "
                              "= "
                           << group << ")";
    }
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialects/pq/PQOps.cpp.inc"

LogicalResult KMeansOp::verify() {
  StepTypeChecker check(*this, getStep());
  if (failed(checkQuantizeTypes(check, getKey(), getCentroids(), getPhi(),
                                getCodes(), getLayout()))) {
    return failure();
  }
  MemRefType initial = getInitial().getType();
  const int64_t count = getStep().getNumCentroids();
  if (initial.getDimSize(1) != count) {
    return emitOpError() << "initial: dimension 1 must be 2^bits = " << count
                         << " (the C point indices of a group), got "
                         << (initial.isDynamicDim(1)
                                 ? std::string("?")
                                 : std::to_string(initial.getDimSize(1)));
  }
  if (std::optional<int64_t> bound = getMaxSeqLen()) {
    const int64_t most = *bound - getStep().getInitOffset();
    if (*bound < 1 || *bound > TilingAttr::kMaxSeqLen || most < count) {
      return emitOpError() << "max_seq_len " << *bound
                           << " must be in [1, " << TilingAttr::kMaxSeqLen
                           << "] and leave at least C = " << count
                           << " keys after init_offset "
                           << getStep().getInitOffset();
    }
  }
  // [b * h_kv * S]: checkable when the batch is static (h_kv and S are).
  MemRefType centroids = getCentroids().getType();
  if (!initial.isDynamicDim(0) && !centroids.isDynamicDim(0)) {
    int64_t groups = centroids.getDimSize(0) * centroids.getDimSize(1) *
                     centroids.getDimSize(2);
    if (initial.getDimSize(0) != groups) {
      return emitOpError() << "initial: dimension 0 must be batch * kv_heads "
                              "* subspaces = "
                           << groups << ", got " << initial.getDimSize(0);
    }
  }
  return success();
}
