//===- ExternDynamicShared.cpp - Dynamic shared memory as .extern [] ------===//

#include "pq/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::pq {
#define GEN_PASS_DEF_PQEXTERNDYNAMICSHAREDPASS
#include "pq/Conversion/Passes.h.inc"
} // namespace mlir::pq

using namespace mlir;

namespace {

/// What convert-gpu-to-nvvm makes of gpu.dynamic_shared_memory: a
/// zero-length shared array with no initializer.
bool isDynamicSharedGlobal(LLVM::GlobalOp global) {
  auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
  return global.getAddrSpace() ==
             static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared) &&
         array && array.getNumElements() == 0 && !global.getValueOrNull() &&
         global.getInitializerRegion().empty();
}

struct PQExternDynamicSharedPass final
    : pq::impl::PQExternDynamicSharedPassBase<PQExternDynamicSharedPass> {
  void runOnOperation() override {
    getOperation().walk([](LLVM::GlobalOp global) {
      if (!isDynamicSharedGlobal(global)) {
        return;
      }
      global.setLinkage(LLVM::Linkage::External);
      global.setDsoLocal(false);
    });
  }
};

} // namespace
