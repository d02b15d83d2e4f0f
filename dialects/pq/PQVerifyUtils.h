//===- PQVerifyUtils.h - Static shape checks shared by pq ops ---*- C++ -*-===//
//
// Every pq op checks its operand types against the relations of SEMANTICS.md
// (d % S == 0, h % h_kv == 0, C == 2^bits, ...). The fused op checks all of
// them at once, so the checks live here and collect sizes as they go: the
// first operand that fixes a size (batch, heads, ...) sets it and every later
// operand must agree. Messages name the operand and the expected value.
//
//===----------------------------------------------------------------------===//

#ifndef DIALECTS_PQ_PQVERIFYUTILS_H
#define DIALECTS_PQ_PQVERIFYUTILS_H

#include "dialects/pq/PQDialect.h"

namespace mlir::pq {

class StepTypeChecker {
public:
  StepTypeChecker(Operation *op, StepAttr step) : op(op), step(step) {}

  LogicalResult query(Value query);
  LogicalResult key(Value key);
  LogicalResult centroids(Value centroids);
  LogicalResult phi(Value phi);
  LogicalResult codes(Value codes, Layout layout);
  LogicalResult scores(Value scores);
  LogicalResult heavy(Value heavy);
  LogicalResult outputs(Value sparseList, Value sparseLen, Value weightList);
  /// h % h_kv == 0, once both are known.
  LogicalResult grouping();

private:
  /// Unifies dimension `dim` of `type` (called `what`) with `known`.
  LogicalResult matchDim(StringRef operand, MemRefType type, unsigned dim,
                         StringRef what, int64_t &known);
  /// Requires a static size to lie within libpqrt's limit for `what`.
  LogicalResult checkLimit(StringRef operand, unsigned dim, StringRef what,
                           int64_t size);
  /// Requires dimension `dim` of `type` to be static.
  LogicalResult requireStatic(StringRef operand, MemRefType type, unsigned dim,
                              StringRef what);

  Operation *op;
  StepAttr step;
  int64_t batch = ShapedType::kDynamic;
  int64_t heads = ShapedType::kDynamic;
  int64_t kvHeads = ShapedType::kDynamic;
  int64_t headDim = ShapedType::kDynamic;
  int64_t subspaces = ShapedType::kDynamic;
  int64_t centroidDim = ShapedType::kDynamic;
};

} // namespace mlir::pq

#endif // DIALECTS_PQ_PQVERIFYUTILS_H
