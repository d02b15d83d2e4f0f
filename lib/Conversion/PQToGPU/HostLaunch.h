//===- HostLaunch.h - Replace pq.indexer with its kernel launches -*- C++ -*-===//

#ifndef LIB_CONVERSION_PQTOGPU_HOSTLAUNCH_H
#define LIB_CONVERSION_PQTOGPU_HOSTLAUNCH_H

#include "BuildABI.h"

namespace mlir::pq {

/// Replaces `op` with launches of `kernels` (in order) and erases it; they
/// share a workspace of `workspaceBytes` bytes per batch entry.
void replaceWithLaunches(IndexerOp op, const StepInfo &info,
                         ArrayRef<gpu::GPUFuncOp> kernels,
                         int64_t workspaceBytes);

/// Replaces the build `op` with its launches: the prologue kernels, the
/// iteration kernels in an scf.for over `iters`, then the epilogue.
void replaceWithBuildLaunches(KMeansOp op, const BuildInfo &info,
                              ArrayRef<gpu::GPUFuncOp> kernels);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_HOSTLAUNCH_H
