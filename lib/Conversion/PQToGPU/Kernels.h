//===- Kernels.h - Kernels of each tiling strategy --------------*- C++ -*-===//

#ifndef LIB_CONVERSION_PQTOGPU_KERNELS_H
#define LIB_CONVERSION_PQTOGPU_KERNELS_H

#include "BuildABI.h"
#include "KernelABI.h"

namespace mlir::pq {

/// `row`: one CTA per (kv head, batch) does the whole step for its group.
/// Returns the one kernel.
SmallVector<gpu::GPUFuncOp> buildRowKernels(gpu::GPUModuleOp module,
                                            StringRef name,
                                            const StepInfo &info, Location loc);

/// `split`: a score kernel over (chunk, kv head, batch) writes keys to the
/// workspace, then a select kernel per (head, batch) selects and emits.
SmallVector<gpu::GPUFuncOp> buildSplitKernels(gpu::GPUModuleOp module,
                                              StringRef name,
                                              const StepInfo &info,
                                              Location loc);

/// `cluster` (sm_90): one kernel; a thread-block cluster per (kv head,
/// batch) scores, selects and emits, merging through distributed shared
/// memory.
SmallVector<gpu::GPUFuncOp> buildClusterKernels(gpu::GPUModuleOp module,
                                                StringRef name,
                                                const StepInfo &info,
                                                Location loc);

/// 32-bit words of workspace per row (0 for `row`): `split` keeps every
/// row's keys there (keyRowStride), `cluster` the keys of each row's
/// threshold bin (keyRowStride), then their indexed positions (as many).
int64_t workspaceRowWords(const StepInfo &info);
/// Bytes of workspace one batch entry needs: a row per query head.
int64_t workspaceBytesPerBatch(const StepInfo &info);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_KERNELS_H
