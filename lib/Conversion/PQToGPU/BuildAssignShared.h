//===- BuildAssignShared.h - What the assignment kernels share --*- C++ -*-===//
//
// The nearest-centroid pass has two kernels: mma.sync (sm_80 on, any
// width; BuildAssign.cpp) and wgmma (sm_90a; BuildAssignWgmma.cpp). Both
// multiply points by centroids over the same product columns, from the same
// sources, and store codes the same way: those pieces live here.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_PQTOGPU_BUILDASSIGNSHARED_H
#define LIB_CONVERSION_PQTOGPU_BUILDASSIGNSHARED_H

#include "BuildABI.h"

namespace mlir::pq {

/// The columns the products run over. With keys exact in TF32 (bf16, f16)
/// a point column is staged as it is and the ip column as two (its hi and
/// lo parts, against the centroid's column twice); f32 keys stage ds'
/// columns and are split in the product (3xTF32).
struct AssignColumns {
  int64_t subDim;   // ds
  int64_t width;    // ds': the centroids' columns
  int64_t mma;      // columns of the products
  bool exactPoints; // points need no split
  explicit AssignColumns(const BuildInfo &info);
};

/// The top 19 bits of an f32 (what a TF32 operand keeps) and the rest,
/// both as the b32 registers the matrix instructions take.
std::pair<Value, Value> splitTf32(KernelBuilder &kb, Value x);

/// Where one assignment kernel reads its operands: the working f32
/// centroids (iterations) or the stored ones (`final`, the codes pass).
struct AssignSources {
  AssignSources(KernelBuilder &kb, const BuildInfo &info,
                const KernelArgs &args, const BuildGroup &g, bool final);
  /// Column `dim` (< ds') of centroid c, as f32.
  Value centroid(KernelBuilder &kb, Value c, Value dim) const;
  /// Product column `dim` (< columns.mma) of centroid c and of a point.
  Value centroidColumn(KernelBuilder &kb, Value c, Value dim) const;
  Value pointColumn(KernelBuilder &kb, Value point, Value dim) const;

  const BuildInfo &info;
  const KernelArgs &args;
  const BuildGroup &g;
  const AssignColumns columns;
  const bool final;
  Value working;
};

/// norms[c] = ||c||^2 (FMA, in column order) for c < C and +inf for the
/// padding up to `padded` (never nearest); a thread per centroid, no
/// barrier.
void storeCentroidNorms(KernelBuilder &kb, const AssignSources &sources,
                        Value norms, int64_t padded);

/// Stores the code of point `point` (the workspace's assignment, or the
/// codebook on the final pass).
void storeCode(KernelBuilder &kb, const BuildInfo &info,
               const KernelArgs &args, const BuildGroup &g, Value codes,
               Value point, Value code, bool final);

/// i1: a CTA whose first point tile is `firstTile` (of `tilePoints`) has
/// points, and (not `final`) the build is still iterating.
Value assignCtaActive(KernelBuilder &kb, const BuildInfo &info,
                      const KernelArgs &args, const BuildGroup &g,
                      Value firstTile, int64_t tilePoints, bool final);

/// Whether the wgmma kernel takes this build on a target that has wgmma:
/// bf16/f16 keys and the split centroids within its shared memory.
bool wgmmaAssignFits(const BuildInfo &info);
gpu::GPUFuncOp buildAssignKernelWgmma(gpu::GPUModuleOp module,
                                      StringRef name, const BuildInfo &info,
                                      Location loc, bool final);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_BUILDASSIGNSHARED_H
