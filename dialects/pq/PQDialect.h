//===- PQDialect.h - The pq dialect -----------------------------*- C++ -*-===//
//
// Declarations of the pq dialect, its attributes and its operations.
//
//===----------------------------------------------------------------------===//

#ifndef DIALECTS_PQ_PQDIALECT_H
#define DIALECTS_PQ_PQDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/pq/PQDialect.h.inc"
#include "dialects/pq/PQEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/pq/PQAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/pq/PQOps.h.inc"

#endif // DIALECTS_PQ_PQDIALECT_H
