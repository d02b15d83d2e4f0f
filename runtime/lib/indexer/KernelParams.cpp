//===- KernelParams.cpp - Buffer sizes, grids and the parameter list ------===//
//
// docs/BUNDLE.md "Kernel parameters": every buffer is a 1-D memref passed as
// (allocated ptr, aligned ptr, offset 0, size in elements, stride 1) and
// every i64 as one 8-byte value. All slots are 8 bytes wide. One packer
// serves the step's list and the build's (BuildLaunch.cpp).
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

namespace {

#define PQRT_PARAM_SLOTS(name, text, kind) +(bundle::ParamKind::kind == bundle::ParamKind::Memref ? 5 : 1)
constexpr int kAllParamSlots = 0 PQRT_KERNEL_PARAMS(PQRT_PARAM_SLOTS);
#undef PQRT_PARAM_SLOTS
static_assert(kAllParamSlots <= kMaxParamSlots,
              "PackedParams cannot hold every kernel parameter");

} // namespace

void packLaunch(const std::vector<ParamName> &list, const LaunchValues &v,
                PackedParams &out) {
  const BufferSizes &sizes = v.sizes;
  int slot = 0;
  out.iterationSlot = -1;
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
  for (ParamName name : list) {
    switch (name) {
    case ParamName::Query:
      memref(v.query, sizes.query);
      break;
    case ParamName::Key:
      memref(v.key, sizes.key);
      break;
    case ParamName::Centroids:
      memref(v.centroids, sizes.centroids);
      break;
    case ParamName::Phi:
      memref(v.phi, sizes.phi);
      break;
    case ParamName::Codes:
      memref(v.codes, sizes.codes);
      break;
    case ParamName::SparseList:
      memref(v.sparseList, sizes.sparseList);
      break;
    case ParamName::SparseLen:
      memref(v.sparseLen, sizes.sparseLen);
      break;
    case ParamName::WeightList:
      memref(v.weightList, sizes.weightList);
      break;
    case ParamName::Workspace:
      memref(v.workspace, sizes.workspace);
      break;
    case ParamName::Initial:
      memref(v.initial, sizes.initial);
      break;
    case ParamName::Iterations:
      memref(v.iterations, sizes.iterations);
      break;
    case ParamName::SeqLen:
      push(uint64_t(v.seqLen));
      break;
    case ParamName::NumCached:
      push(uint64_t(v.numCached));
      break;
    case ParamName::KeyCapacity:
      push(uint64_t(v.keyCapacity));
      break;
    case ParamName::CodeCapacity:
      push(uint64_t(v.codeCapacity));
      break;
    case ParamName::Seed:
      push(uint64_t(v.seed));
      break;
    case ParamName::Iteration:
      out.iterationSlot = slot;
      push(uint64_t(v.iteration));
      break;
    case ParamName::KmeansIter:
      push(uint64_t(v.kmeansIter));
      break;
    }
  }
  out.count = slot;
}

void packParams(const bundle::Bundle &bundle, const RunArgs &args,
                const BufferSizes &sizes, uint64_t workspace,
                PackedParams &out) {
  const StepArgs &step = args.step;
  LaunchValues v;
  v.query = step.query;
  v.key = step.key;
  v.centroids = step.centroids;
  v.phi = step.phi;
  v.codes = step.codebook;
  v.sparseList = step.sparseList;
  v.sparseLen = step.sparseLen;
  v.weightList = step.weightList;
  v.workspace = reinterpret_cast<const void *>(uintptr_t(workspace));
  v.sizes = sizes;
  v.seqLen = step.seqLen;
  // The full-attention path may pass no count; its kernels ignore it.
  v.numCached = step.numCached ? *step.numCached : 0;
  v.keyCapacity = args.keyCapacity;
  v.codeCapacity = args.codeCapacity;
  packLaunch(bundle.params, v, out);
}

} // namespace indexer
} // namespace pqrt
