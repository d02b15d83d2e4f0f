//===- BuildLaunch.cpp - Every rule an index build must satisfy -----------===//
//
// The module's limits first (it has a build at all, batch, max_seq_len), then
// the reference's validateBuild on the same arguments, so the GPU build
// rejects what pqrt_reference_build rejects, with the same messages -- except
// the initial indices, which live in device memory here and are not read.
//
//===----------------------------------------------------------------------===//

#include "BuildLaunch.h"

#include <string>

namespace pqrt {
namespace indexer {

namespace {

Status checkHasBuild(const bundle::Bundle &b) {
  if (b.build) {
    return Status::success();
  }
  return {StatusCode::Unsupported,
          "build: module '" + b.entry +
              "' has no index build (no \"build\" entry in its manifest, "
              "docs/BUNDLE.md); compile it with a pq-compile that emits the "
              "build, or build the index on the host with "
              "pqrt_reference_build and copy it to the device"};
}

StepConfig buildConfig(const bundle::Bundle &b, const BuildRunArgs &args) {
  StepConfig config = b.step;
  config.batch = args.batch;
  config.keyCapacity = args.keyCapacity;
  config.codeCapacity = args.codeCapacity;
  return config;
}

Status buildSizes(const bundle::Bundle &b, const StepConfig &config,
                  const BuildRunArgs &args, BufferSizes &out) {
  BufferElements elements;
  Status status = stepBufferElements(config, args.build.seqLen, elements);
  if (!status.ok()) {
    return status;
  }
  // The manifest bounds the workspace at 2^40 bytes per batch entry.
  const int64_t perBatch = int64_t(b.build->workspaceBytesPerBatch);
  if (__builtin_mul_overflow(args.batch, perBatch, &out.workspace)) {
    return Status::invalid("workspace: b * build.workspace_bytes_per_batch "
                           "overflows int64");
  }
  // groups * C <= the centroids' element count, checked above.
  const int64_t initial = buildGroups(config) * config.centroids();
  out.key = elements.key;
  out.centroids = elements.centroids;
  out.phi = elements.phi;
  out.codes = elements.codebook;
  out.initial = args.build.initial ? initial : 0;
  out.iterations = args.build.iterations ? 1 : 0;
  return Status::success();
}

} // namespace

Status validateBuildRun(const bundle::Bundle &bundle, int64_t maxBatch,
                        const BuildRunArgs &args) {
  BufferSizes sizes;
  return validateBuildRun(bundle, maxBatch, args, sizes);
}

Status validateBuildRun(const bundle::Bundle &bundle, int64_t maxBatch,
                        const BuildRunArgs &args, BufferSizes &sizes) {
  Status status = checkHasBuild(bundle);
  if (status.ok()) {
    status = resolveMaxBatch(bundle, maxBatch);
  }
  if (status.ok()) {
    status = checkModuleLimits(bundle, maxBatch, args.batch, args.build.seqLen);
  }
  if (!status.ok()) {
    return status;
  }
  const StepConfig config = buildConfig(bundle, args);
  BuildArgs probe = args.build;
  probe.initial = nullptr; // device memory: never read here
  status = validateBuild(config, probe);
  if (status.ok()) {
    status = buildSizes(bundle, config, args, sizes);
  }
  for (size_t i = 0; status.ok() && i < bundle.build->kernels.size(); ++i) {
    std::array<uint32_t, 3> grid;
    status = resolveGrid(bundle.build->kernels[i], args.batch, grid);
  }
  return status;
}

void packBuildParams(const bundle::Bundle &bundle, const BuildRunArgs &args,
                     const BufferSizes &sizes, uint64_t workspace,
                     PackedParams &out) {
  const BuildArgs &build = args.build;
  LaunchValues v;
  v.key = build.key;
  v.centroids = build.centroids;
  v.phi = build.phi;
  v.codes = build.codebook;
  v.workspace = reinterpret_cast<const void *>(uintptr_t(workspace));
  v.initial = build.initial;
  v.iterations = build.iterations;
  v.sizes = sizes;
  v.seqLen = build.seqLen;
  v.keyCapacity = args.keyCapacity;
  v.codeCapacity = args.codeCapacity;
  v.seed = int64_t(build.seed); // the same 64 bits
  v.iteration = 0;
  v.kmeansIter = build.kmeansIter;
  packLaunch(bundle.build->params, v, out);
}

} // namespace indexer
} // namespace pqrt
