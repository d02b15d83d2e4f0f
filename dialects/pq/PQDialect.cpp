//===- PQDialect.cpp - The pq dialect -------------------------------------===//

#include "dialects/pq/PQDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::pq;

#include "dialects/pq/PQDialect.cpp.inc"

namespace {
/// Prints `#pq.step<...>` and `#pq.target<...>` once per module, as
/// `#step` / `#target`, so the ops that share them stay readable.
struct PQOpAsmInterface final : OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;

  AliasResult getAlias(Attribute attr, raw_ostream &os) const override {
    if (isa<StepAttr>(attr)) {
      os << "step";
      return AliasResult::FinalAlias;
    }
    if (isa<TargetAttr>(attr)) {
      os << "target";
      return AliasResult::FinalAlias;
    }
    return AliasResult::NoAlias;
  }
};
} // namespace

LogicalResult PQDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  if (attr.getName() != kTargetAttrName) {
    return success();
  }
  if (!isa<ModuleOp>(op)) {
    return op->emitError() << kTargetAttrName
                           << " belongs on a builtin.module, not on '"
                           << op->getName() << "'";
  }
  if (!isa<TargetAttr>(attr.getValue())) {
    return op->emitError() << kTargetAttrName
                           << " must be a #pq.target<...> attribute, got "
                           << attr.getValue();
  }
  return success();
}

void PQDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dialects/pq/PQOps.cpp.inc"
      >();
  addInterfaces<PQOpAsmInterface>();
}
