//===- KernelParamList.h - The kernel parameters of a bundle ----*- C++ -*-===//
//
// One definition of the compiler-runtime contract for kernel parameters
// (docs/BUNDLE.md "Kernel parameters"): every parameter a pq kernel may
// take, in the order kernels take them, with its manifest name and kind.
// pq-compile's kernel ABI (lib/Conversion/PQToGPU/KernelABI.cpp) builds
// kernel signatures from it; libpqrt's bundle reader (runtime/lib/bundle)
// parses manifests against it and packs arguments by it. A kernel takes an
// in-order subset, which the compiler chooses and writes into the manifest.
// The index build's kernels (docs/BUILD.md) take the last five besides some
// of the step's. The compiler includes this runtime header; the runtime
// includes nothing of the compiler. A plain X-macro list: no includes, no types.
//
//   X(Enumerator, "manifest name", Kind)   Kind: Memref (a 1-D buffer,
//                                          five descriptor parameters) or
//                                          I64 (one 8-byte parameter)
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_KERNELPARAMLIST_H
#define PQRT_KERNELPARAMLIST_H

#define PQRT_KERNEL_PARAMS(X)                                                  \
  X(Query, "query", Memref)                                                    \
  X(Key, "key", Memref)                                                        \
  X(Centroids, "centroids", Memref)                                            \
  X(Phi, "phi", Memref)                                                        \
  X(Codes, "codes", Memref)                                                    \
  X(SparseList, "sparse_list", Memref)                                         \
  X(SparseLen, "sparse_len", Memref)                                           \
  X(WeightList, "weight_list", Memref)                                         \
  X(Workspace, "workspace", Memref)                                            \
  X(SeqLen, "seq_len", I64)                                                    \
  X(NumCached, "num_cached", I64)                                              \
  X(KeyCapacity, "key_capacity", I64)                                          \
  X(CodeCapacity, "code_capacity", I64)                                        \
  X(Initial, "initial", Memref)                                                \
  X(Iterations, "iterations", Memref)                                          \
  X(Seed, "seed", I64)                                                         \
  X(Iteration, "iteration", I64)                                               \
  X(KmeansIter, "kmeans_iter", I64)

#endif // PQRT_KERNELPARAMLIST_H
