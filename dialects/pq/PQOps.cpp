//===- PQOps.cpp - pq dialect operations ----------------------------------===//

#include "dialects/pq/PQDialect.h"
#include "dialects/pq/PQVerifyUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::pq;

LogicalResult QuantizeOp::verify() {
  StepTypeChecker check(*this, getStep());
  if (failed(check.key(getKey())) ||
      failed(check.centroids(getCentroids())) ||
      failed(check.phi(getPhi())) ||
      failed(check.codes(getCodes(), getLayout()))) {
    return failure();
  }
  return success();
}

LogicalResult ScoreOp::verify() {
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
  StepTypeChecker check(*this, getStep());
  if (failed(check.scores(getScores())) || failed(check.heavy(getHeavy()))) {
    return failure();
  }
  return success();
}

LogicalResult GenIndicesOp::verify() {
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
  return success();
}

#define GET_OP_CLASSES
#include "dialects/pq/PQOps.cpp.inc"
