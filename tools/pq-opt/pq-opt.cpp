//===- pq-opt.cpp - The pq optimizer driver -------------------------------===//
//
// mlir-opt for pq: the pq dialect and passes plus the upstream dialects and
// passes the lowering pipeline uses.
//
//===----------------------------------------------------------------------===//

#include "pq/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::pq::registerAllPQ(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "pq optimizer driver\n", registry));
}
