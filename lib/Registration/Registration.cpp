//===- Registration.cpp - Register everything pq tools need ---------------===//

#include "pq/Registration.h"

#include "dialects/pq/PQDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::pq::registerAllPQ(DialectRegistry &registry) {
  registry.insert<PQDialect, arith::ArithDialect, func::FuncDialect,
                  memref::MemRefDialect, scf::SCFDialect>();
}
