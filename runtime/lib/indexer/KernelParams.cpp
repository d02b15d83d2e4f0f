//===- KernelParams.cpp - Buffer sizes, grids and the parameter list ------===//
//
// docs/BUNDLE.md "Kernel parameters": every buffer is a 1-D memref passed as
// (allocated ptr, aligned ptr, offset 0, size in elements, stride 1) and
// every i64 as one 8-byte value. All slots are 8 bytes wide.
//
//===----------------------------------------------------------------------===//

#include "Launch.h"

#include <string>

namespace pqrt {
namespace indexer {

using bundle::ParamName;

Status bufferSizes(const bundle::Bundle &bundle, const RunArgs &args,
                   BufferSizes &out) {
  BufferElements elements;
  Status status =
      stepBufferElements(callConfig(bundle, args), args.step.seqLen, elements);
  if (!status.ok()) {
    return status;
  }
  // The manifest bounds the workspace at 2^40 bytes per batch entry.
  const int64_t workspaceWords = int64_t(bundle.workspaceBytesPerBatch / 4);
  if (__builtin_mul_overflow(args.batch, workspaceWords, &out.workspace)) {
    return Status::invalid("workspace: b * workspace_bytes_per_batch overflows "
                           "int64");
  }
  out.query = elements.query;
  out.key = elements.key;
  out.centroids = elements.centroids;
  out.phi = elements.phi;
  out.codes = elements.codebook;
  out.sparseList = elements.sparseList;
  out.sparseLen = elements.sparseLen;
  out.weightList = elements.weightList;
  return Status::success();
}

Status resolveGrid(const bundle::KernelSpec &kernel, int64_t batch,
                   std::array<uint32_t, 3> &grid) {
  const int64_t limits[3] = {2147483647, 65535, 65535};
  for (int i = 0; i < 3; ++i) {
    if (!kernel.grid[i].isBatch) {
      grid[i] = kernel.grid[i].value;
      continue;
    }
    const std::string where = " (grid entry " + std::to_string(i) +
                              " of kernel '" + kernel.name + "' is \"batch\")";
    if (batch < 1 || batch > limits[i]) {
      return Status::invalid("batch: b " + std::to_string(batch) +
                             " is outside [1, " + std::to_string(limits[i]) +
                             "]" + where);
    }
    if (batch % kernel.cluster[i] != 0) {
      return Status::invalid("batch: b " + std::to_string(batch) +
                             " is not a multiple of the cluster dimension " +
                             std::to_string(kernel.cluster[i]) + where);
    }
    grid[i] = uint32_t(batch);
  }
  return Status::success();
}

void packParams(const bundle::Bundle &bundle, const RunArgs &args,
                const BufferSizes &sizes, uint64_t workspace,
                PackedParams &out) {
  const StepArgs &step = args.step;
  int slot = 0;
  auto push = [&](uint64_t value) {
    out.values[slot] = value;
    out.pointers[slot] = &out.values[slot];
    ++slot;
  };
  auto memref = [&](const void *pointer, int64_t elements) {
    uint64_t address = reinterpret_cast<uintptr_t>(pointer);
    push(address);            // allocated
    push(address);            // aligned
    push(0);                  // offset
    push(uint64_t(elements)); // size
    push(1);                  // stride
  };
  for (ParamName name : bundle.params) {
    switch (name) {
    case ParamName::Query:
      memref(step.query, sizes.query);
      break;
    case ParamName::Key:
      memref(step.key, sizes.key);
      break;
    case ParamName::Centroids:
      memref(step.centroids, sizes.centroids);
      break;
    case ParamName::Phi:
      memref(step.phi, sizes.phi);
      break;
    case ParamName::Codes:
      memref(step.codebook, sizes.codes);
      break;
    case ParamName::SparseList:
      memref(step.sparseList, sizes.sparseList);
      break;
    case ParamName::SparseLen:
      memref(step.sparseLen, sizes.sparseLen);
      break;
    case ParamName::WeightList:
      memref(step.weightList, sizes.weightList);
      break;
    case ParamName::Workspace:
      memref(reinterpret_cast<const void *>(uintptr_t(workspace)),
             sizes.workspace);
      break;
    case ParamName::SeqLen:
      push(uint64_t(step.seqLen));
      break;
    case ParamName::NumCached:
      // The full-attention path may pass no count; its kernels ignore it.
      push(step.numCached ? uint64_t(*step.numCached) : 0);
      break;
    case ParamName::KeyCapacity:
      push(uint64_t(args.keyCapacity));
      break;
    case ParamName::CodeCapacity:
      push(uint64_t(args.codeCapacity));
      break;
    }
  }
  out.count = slot;
}

} // namespace indexer
} // namespace pqrt
