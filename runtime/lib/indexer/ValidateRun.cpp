//===- ValidateRun.cpp - Every rule a launch must satisfy -----------------===//
//
// The module's own limits (batch, max_seq_len, quantize) come first, then the
// reference's validateStep on the same arguments, so the GPU path rejects
// exactly what the CPU reference rejects, with the same messages.
//
// validateStep checks the contents of the first n_cached codebook rows. On
// the GPU path those live in device memory, so it is handed a count of 0
// (the n_cached rules are checked here instead) and, when no key is to be
// quantized, stand-ins for the inputs it would then not need.
//
//===----------------------------------------------------------------------===//

#include "Launch.h"

#include "pqrt/pqrt_limits.h"

#include <algorithm>
#include <string>

namespace pqrt {
namespace indexer {

namespace {

std::string str(int64_t value) { return std::to_string(value); }

/// Never read: marks "present" for inputs the kernels will not touch.
const char kUnreadByte = 0;
const float kUnreadFloat = 0.0f;

/// The n_cached rules of validateStep, plus: a module that does not
/// quantize needs every key already in the codebook.
Status checkCached(const bundle::Bundle &b, const StepConfig &config,
                   const StepArgs &step, int64_t &filled) {
  const int64_t n = step.seqLen - config.initOffset;
  auto nText = [n] { return "n = sk - init_offset = " + str(n); };
  if (!step.numCached) {
    return Status::invalid(
        "num_cached: is null; expected a pointer to n_cached");
  }
  filled = *step.numCached;
  if (filled < 0) {
    return Status::invalid("num_cached: n_cached " + str(filled) +
                           " must be at least 0");
  }
  if (filled > n) {
    return Status::invalid("num_cached: n_cached " + str(filled) + " exceeds " +
                           nText());
  }
  if (!b.quantize && filled != n) {
    return Status::invalid("num_cached: n_cached " + str(filled) + " is not " +
                           nText() + "; module '" + b.entry +
                           "' does not quantize, so the codebook must already "
                           "hold every key");
  }
  return Status::success();
}

} // namespace

Status checkModuleLimits(const bundle::Bundle &b, int64_t maxBatch,
                         int64_t batch, int64_t seqLen) {
  auto module = [&] { return "module '" + b.entry + "'"; };
  if (batch < 1) {
    return Status::invalid("batch: b " + str(batch) +
                           " must be at least 1");
  }
  if (batch > maxBatch) {
    return Status::invalid("batch: b " + str(batch) +
                           " exceeds the indexer's max_batch " + str(maxBatch));
  }
  if (b.staticBatch != 0 && batch != b.staticBatch) {
    return Status::invalid("batch: b " + str(batch) + " differs from b " +
                           str(b.staticBatch) + " that " + module() +
                           " was compiled for");
  }
  if (seqLen > b.maxSeqLen) {
    return Status::invalid("seq_len: sk " + str(seqLen) +
                           " exceeds max_seq_len " + str(b.maxSeqLen) + " of " +
                           module());
  }
  return Status::success();
}

Status resolveMaxBatch(const bundle::Bundle &b, int64_t &maxBatch) {
  if (maxBatch == 0 && b.staticBatch != 0) {
    maxBatch = b.staticBatch;
  }
  if (maxBatch < 1 || maxBatch > PQRT_MAX_BATCH) {
    return Status::invalid(
        "max_batch: " + str(maxBatch) + " is not in [1, " +
        str(PQRT_MAX_BATCH) + "] (PQRT_MAX_BATCH)" +
        (b.staticBatch == 0
             ? "; module '" + b.entry + "' has a dynamic batch, so give one"
             : std::string()));
  }
  if (b.staticBatch != 0 && maxBatch != b.staticBatch) {
    return Status::invalid("max_batch: " + str(maxBatch) + " differs from b " +
                           str(b.staticBatch) + " that module '" + b.entry +
                           "' was compiled for");
  }
  return Status::success();
}

StepConfig callConfig(const bundle::Bundle &bundle, const RunArgs &args) {
  StepConfig config = bundle.step;
  config.batch = args.batch;
  config.keyCapacity = args.keyCapacity;
  config.codeCapacity = args.codeCapacity;
  return config;
}

Status validateRun(const bundle::Bundle &bundle, int64_t maxBatch,
                   const RunArgs &args) {
  BufferSizes sizes;
  return validateRun(bundle, maxBatch, args, sizes);
}

Status validateRun(const bundle::Bundle &bundle, int64_t maxBatch,
                   const RunArgs &args, BufferSizes &sizes) {
  Status status = resolveMaxBatch(bundle, maxBatch);
  if (status.ok()) {
    status = checkModuleLimits(bundle, maxBatch, args.batch, args.step.seqLen);
  }
  if (!status.ok()) {
    return status;
  }
  StepConfig config = callConfig(bundle, args);
  const StepArgs &step = args.step;
  StepArgs probe = step;
  int64_t noneCached = 0;
  // sk < 1 is left to validateStep, which words that error.
  if (step.seqLen >= 1 && !isFullAttention(config, step.seqLen)) {
    int64_t filled = 0;
    status = checkCached(bundle, config, step, filled);
    if (!status.ok()) {
      return status;
    }
    probe.numCached = &noneCached;
    if (filled == step.seqLen - config.initOffset) {
      // Nothing to quantize: the key cache is not read.
      probe.key = &kUnreadByte;
      config.keyCapacity = std::max(config.keyCapacity, step.seqLen);
      if (!bundle.hasParam(bundle::ParamName::Phi)) {
        probe.phi = &kUnreadFloat; // the module takes no phi at all
      }
    }
  }
  status = validateStep(config, probe);
  if (!status.ok()) {
    return status;
  }
  status = bufferSizes(bundle, args, sizes);
  for (size_t i = 0; status.ok() && i < bundle.kernels.size(); ++i) {
    std::array<uint32_t, 3> grid;
    status = resolveGrid(bundle.kernels[i], args.batch, grid);
  }
  return status;
}

} // namespace indexer
} // namespace pqrt
