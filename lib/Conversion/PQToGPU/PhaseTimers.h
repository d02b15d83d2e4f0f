//===- PhaseTimers.h - Per-CTA phase timestamps of a step kernel -*- C++ -*-===//
//
// pq-compile --phase-timers: thread 0 of every CTA stores %globaltimer (ns)
// at each phase boundary the kernel builder marks, into a region of the
// workspace after the step's own rows (docs/BUNDLE.md, Phase timers). The
// kernel's `pq.phase_timers` attribute names the marks in order; the bundle
// writer copies it into the manifest, and bench/phase_timers.py reads the
// region back. Off (the default), mark() emits nothing.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_PQTOGPU_PHASETIMERS_H
#define LIB_CONVERSION_PQTOGPU_PHASETIMERS_H

#include "KernelABI.h"
#include "KernelBuilder.h"

#include <string>

namespace mlir::pq {

class PhaseTimers {
public:
  /// The region starts after gridDim.y batches of the step's rows; the
  /// timestamp of phase p for CTA c = blockIdx.y * gridDim.x + blockIdx.x is
  /// the u64 at word 2 (p * gridDim.x * gridDim.y + c) of it.
  PhaseTimers(KernelBuilder &kb, const StepInfo &info, const KernelArgs &args);

  /// Records this CTA's time at the point the builder has reached; inside
  /// a loop, the last iteration's time (name such marks "last_...").
  void mark(StringRef phase);
  /// Names the marks on the kernel (`pq.phase_timers`); none when disabled.
  void attach(gpu::GPUFuncOp func) const;

private:
  KernelBuilder &kb;
  const KernelArgs &args;
  bool enabled;
  Value first;  // word of this CTA's phase-0 timestamp
  Value stride; // words between one phase's timestamps and the next's
  SmallVector<std::string> phases;
};

/// Bytes of phase timestamps a batch entry of `kernel` adds to the
/// workspace: 8 per CTA of its grid's x extent and per phase.
int64_t phaseTimerBytesPerBatch(gpu::GPUFuncOp kernel);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_PHASETIMERS_H
