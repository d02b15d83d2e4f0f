//===- PQVerifyUtils.cpp - Static shape checks shared by pq ops -----------===//

#include "dialects/pq/PQVerifyUtils.h"

// The runtime's size limits: shapes libpqrt would refuse never verify.
#include "pqrt/pqrt_limits.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::pq;

static MemRefType memrefOf(Value value) {
  return cast<MemRefType>(value.getType());
}

/// libpqrt's largest value of the step size `what`, and the macro naming
/// it; 0 for sizes the runtime does not bound.
static std::pair<int64_t, StringRef> sizeLimit(StringRef what) {
  return llvm::StringSwitch<std::pair<int64_t, StringRef>>(what)
      .Case("batch", {PQRT_MAX_BATCH, "PQRT_MAX_BATCH"})
      .Cases({"heads", "kv_heads"}, {PQRT_MAX_HEADS, "PQRT_MAX_HEADS"})
      .Cases({"head_dim", "subspaces"},
             {PQRT_MAX_HEAD_DIM, "PQRT_MAX_HEAD_DIM"})
      .Default({0, ""});
}

LogicalResult StepTypeChecker::checkLimit(StringRef operand, unsigned dim,
                                          StringRef what, int64_t size) {
  auto [limit, name] = sizeLimit(what);
  if (limit == 0 || (size >= 1 && size <= limit)) {
    return success();
  }
  return op->emitOpError() << operand << ": dimension " << dim << " (" << what
                           << ") must be in [1, " << limit << "] (" << name
                           << ", the largest libpqrt loads), got " << size;
}

LogicalResult StepTypeChecker::matchDim(StringRef operand, MemRefType type,
                                        unsigned dim, StringRef what,
                                        int64_t &known) {
  int64_t size = type.getDimSize(dim);
  if (ShapedType::isDynamic(size)) {
    return success();
  }
  if (failed(checkLimit(operand, dim, what, size))) {
    return failure();
  }
  if (ShapedType::isDynamic(known)) {
    known = size;
    return success();
  }
  if (size != known) {
    return op->emitOpError() << operand << ": dimension " << dim << " ("
                             << what << ") must be " << known << ", got "
                             << size;
  }
  return success();
}

LogicalResult StepTypeChecker::requireStatic(StringRef operand,
                                             MemRefType type, unsigned dim,
                                             StringRef what) {
  if (!type.isDynamicDim(dim)) {
    return success();
  }
  return op->emitOpError() << operand << ": dimension " << dim << " (" << what
                           << ") must be static";
}

LogicalResult StepTypeChecker::query(Value value) {
  MemRefType type = memrefOf(value);
  if (failed(requireStatic("query", type, 1, "heads")) ||
      failed(requireStatic("query", type, 3, "head_dim"))) {
    return failure();
  }
  if (type.isDynamicDim(2) || type.getDimSize(2) != 1) {
    return op->emitOpError() << "query: dimension 2 (sq) must be 1, got "
                             << (type.isDynamicDim(2)
                                     ? std::string("?")
                                     : std::to_string(type.getDimSize(2)));
  }
  if (failed(matchDim("query", type, 0, "batch", batch)) ||
      failed(matchDim("query", type, 1, "heads", heads)) ||
      failed(matchDim("query", type, 3, "head_dim", headDim))) {
    return failure();
  }
  return grouping();
}

LogicalResult StepTypeChecker::key(Value value) {
  MemRefType type = memrefOf(value);
  if (failed(requireStatic("key", type, 1, "kv_heads")) ||
      failed(requireStatic("key", type, 3, "head_dim")) ||
      failed(matchDim("key", type, 0, "batch", batch)) ||
      failed(matchDim("key", type, 1, "kv_heads", kvHeads)) ||
      failed(matchDim("key", type, 3, "head_dim", headDim))) {
    return failure();
  }
  return grouping();
}

LogicalResult StepTypeChecker::centroids(Value value) {
  MemRefType type = memrefOf(value);
  static constexpr StringLiteral staticDims[] = {"kv_heads", "subspaces",
                                                  "centroids", "centroid_dim"};
  for (auto [dim, what] : llvm::enumerate(staticDims)) {
    if (failed(requireStatic("centroids", type, dim + 1, what))) {
      return failure();
    }
  }
  if (failed(matchDim("centroids", type, 0, "batch", batch)) ||
      failed(matchDim("centroids", type, 1, "kv_heads", kvHeads)) ||
      failed(grouping())) {
    return failure();
  }
  subspaces = type.getDimSize(2);
  if (failed(checkLimit("centroids", 2, "subspaces", subspaces))) {
    return failure();
  }
  int64_t numCentroids = type.getDimSize(3);
  centroidDim = type.getDimSize(4);
  if (numCentroids != step.getNumCentroids()) {
    return op->emitOpError()
           << "centroids: dimension 3 (centroids) must be 2^bits = "
           << step.getNumCentroids() << ", got " << numCentroids;
  }
  if (ShapedType::isDynamic(headDim)) {
    return success();
  }
  if (subspaces < 1 || headDim % subspaces != 0) {
    return op->emitOpError() << "centroids: head_dim " << headDim
                             << " is not divisible by subspaces (dimension 2) "
                             << subspaces;
  }
  bool ip = step.getMetric() == Metric::ip;
  int64_t expected = headDim / subspaces + (ip ? 1 : 0);
  if (centroidDim != expected) {
    return op->emitOpError()
           << "centroids: dimension 4 (centroid_dim) must be head_dim / "
              "subspaces"
           << (ip ? " + 1 for metric ip" : "") << " = " << expected
           << ", got " << centroidDim;
  }
  return success();
}

LogicalResult StepTypeChecker::phi(Value value) {
  bool ip = step.getMetric() == Metric::ip;
  if (!value) {
    if (ip) {
      return op->emitOpError() << "phi: metric ip needs the ip2l2 phi operand";
    }
    return success();
  }
  if (!ip) {
    return op->emitOpError()
           << "phi: only metric ip takes phi, the step's metric is euclidean";
  }
  MemRefType type = memrefOf(value);
  if (type.isDynamicDim(0) || ShapedType::isDynamic(batch) ||
      ShapedType::isDynamic(kvHeads) || ShapedType::isDynamic(subspaces)) {
    return success();
  }
  int64_t expected = batch * kvHeads * subspaces;
  if (type.getDimSize(0) != expected) {
    return op->emitOpError()
           << "phi: dimension 0 must be batch * kv_heads * subspaces = "
           << expected << ", got " << type.getDimSize(0);
  }
  return success();
}

LogicalResult StepTypeChecker::codes(Value value, Layout layout) {
  MemRefType type = memrefOf(value);
  Type element = type.getElementType();
  bool compact = layout == Layout::compact;
  if (compact && !element.isUnsignedInteger(8)) {
    return op->emitOpError()
           << "codes: layout compact needs ui8 codes [b, h_kv, n_max, S], got "
           << element;
  }
  if (!compact && !element.isSignlessInteger(64)) {
    return op->emitOpError()
           << "codes: layout seed needs i64 codes [b, n_max, h_kv, S], got "
           << element;
  }
  if (compact && step.getBits() > 8) {
    return op->emitOpError() << "codes: ui8 codes hold at most 8 bits, the "
                                "step has bits = "
                             << step.getBits();
  }
  unsigned kvDim = compact ? 1 : 2;
  if (failed(requireStatic("codes", type, kvDim, "kv_heads")) ||
      failed(requireStatic("codes", type, 3, "subspaces")) ||
      failed(matchDim("codes", type, 0, "batch", batch)) ||
      failed(matchDim("codes", type, kvDim, "kv_heads", kvHeads)) ||
      failed(matchDim("codes", type, 3, "subspaces", subspaces))) {
    return failure();
  }
  return grouping();
}

LogicalResult StepTypeChecker::scores(Value value) {
  MemRefType type = memrefOf(value);
  if (failed(requireStatic("scores", type, 1, "heads")) ||
      failed(matchDim("scores", type, 0, "batch", batch)) ||
      failed(matchDim("scores", type, 1, "heads", heads))) {
    return failure();
  }
  return success();
}

LogicalResult StepTypeChecker::heavy(Value value) {
  MemRefType type = memrefOf(value);
  if (failed(requireStatic("heavy", type, 1, "heads")) ||
      failed(matchDim("heavy", type, 0, "batch", batch)) ||
      failed(matchDim("heavy", type, 1, "heads", heads))) {
    return failure();
  }
  if (!type.isDynamicDim(2) && type.getDimSize(2) != step.getHeavy()) {
    return op->emitOpError()
           << "heavy: dimension 2 (k) must be dynamic or heavy = "
           << step.getHeavy() << ", got " << type.getDimSize(2);
  }
  return success();
}

LogicalResult StepTypeChecker::outputs(Value sparseList, Value sparseLen,
                                       Value weightList) {
  MemRefType list = memrefOf(sparseList);
  MemRefType len = memrefOf(sparseLen);
  MemRefType weights = memrefOf(weightList);
  if (failed(requireStatic("sparse_list", list, 1, "heads")) ||
      failed(matchDim("sparse_list", list, 0, "batch", batch)) ||
      failed(matchDim("sparse_list", list, 1, "heads", heads)) ||
      failed(matchDim("sparse_len", len, 0, "batch", batch)) ||
      failed(matchDim("sparse_len", len, 1, "heads", heads)) ||
      failed(matchDim("weight_list", weights, 0, "batch", batch)) ||
      failed(matchDim("weight_list", weights, 1, "heads", heads))) {
    return failure();
  }
  return grouping();
}

LogicalResult StepTypeChecker::grouping() {
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(kvHeads)) {
    return success();
  }
  if (kvHeads < 1 || heads % kvHeads != 0) {
    return op->emitOpError() << "heads " << heads
                             << " must be a multiple of kv_heads " << kvHeads;
  }
  return success();
}
