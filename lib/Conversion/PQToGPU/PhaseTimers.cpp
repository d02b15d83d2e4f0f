//===- PhaseTimers.cpp - Per-CTA phase timestamps of a step kernel --------===//

#include "PhaseTimers.h"

#include "Kernels.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

PhaseTimers::PhaseTimers(KernelBuilder &kb, const StepInfo &info,
                         const KernelArgs &args)
    : kb(kb), args(args), enabled(info.phaseTimers) {
  if (!enabled) {
    return;
  }
  ImplicitLocOpBuilder &b = kb.b;
  Value ctasX = gpu::GridDimOp::create(b, gpu::Dimension::x);
  Value batches = gpu::GridDimOp::create(b, gpu::Dimension::y);
  Value base = kb.mul(batches, kb.idx(info.shape.heads * workspaceRowWords(info)));
  Value cta = kb.add(kb.mul(kb.blockId(gpu::Dimension::y), ctasX),
                     kb.blockId(gpu::Dimension::x));
  first = kb.add(base, kb.mul(cta, kb.idx(2)));
  stride = kb.mul(kb.mul(ctasX, batches), kb.idx(2));
}

void PhaseTimers::mark(StringRef phase) {
  if (!enabled) {
    return;
  }
  Value at = kb.add(first, kb.mul(kb.idx(phases.size()), stride));
  phases.push_back(phase.str());
  kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.threadId(), kb.idx(0)), [&] {
    ImplicitLocOpBuilder &b = kb.b;
    Value now = NVVM::GlobalTimerOp::create(b, b.getI64Type());
    Value low = arith::TruncIOp::create(b, b.getI32Type(), now);
    Value high = arith::TruncIOp::create(
        b, b.getI32Type(),
        arith::ShRUIOp::create(
            b, now, arith::ConstantIntOp::create(b, b.getI64Type(), 32)));
    kb.store(low, args.workspace, at);
    kb.store(high, args.workspace, kb.add(at, kb.idx(1)));
  });
}

void PhaseTimers::attach(gpu::GPUFuncOp func) const {
  if (!enabled) {
    return;
  }
  SmallVector<Attribute> names;
  for (const std::string &phase : phases) {
    names.push_back(kb.b.getStringAttr(phase));
  }
  func->setAttr("pq.phase_timers", kb.b.getArrayAttr(names));
}

int64_t mlir::pq::phaseTimerBytesPerBatch(gpu::GPUFuncOp kernel) {
  auto phases = kernel->getAttrOfType<ArrayAttr>("pq.phase_timers");
  if (!phases) {
    return 0;
  }
  int64_t ctasX = kernel->getAttrOfType<DenseI64ArrayAttr>("pq.grid")[0];
  return 8 * ctasX * int64_t(phases.size());
}
