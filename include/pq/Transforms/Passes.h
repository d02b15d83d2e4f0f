//===- Passes.h - pq transformation passes ----------------------*- C++ -*-===//

#ifndef PQ_TRANSFORMS_PASSES_H
#define PQ_TRANSFORMS_PASSES_H

#include "dialects/pq/PQDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::pq {

#define GEN_PASS_DECL
#include "pq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "pq/Transforms/Passes.h.inc"

} // namespace mlir::pq

#endif // PQ_TRANSFORMS_PASSES_H
