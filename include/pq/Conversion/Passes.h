//===- Passes.h - pq conversion passes --------------------------*- C++ -*-===//

#ifndef PQ_CONVERSION_PASSES_H
#define PQ_CONVERSION_PASSES_H

#include "dialects/pq/PQDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::pq {

#define GEN_PASS_DECL
#include "pq/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "pq/Conversion/Passes.h.inc"

} // namespace mlir::pq

#endif // PQ_CONVERSION_PASSES_H
