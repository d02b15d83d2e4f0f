//===- Inputs.cpp - Step buffers from random data or .npy files -----------===//
//
// File shapes are those of SEMANTICS.md. The codebook file holds exactly the
// filled rows (what PyTorch code passes: [b, n_cached, h_kv, S] int64 seed or
// [b, h_kv, n_cached, S] uint8 compact); the buffers add spare rows up to n.
//
//===----------------------------------------------------------------------===//

#include "Inputs.h"

#include "pqrt/Layout.h"
#include "pqhost/Npy.h"
#include "pqhost/RandomInputs.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace pqrun {

namespace {

using pqrt::CodeLayout;
using pqrt::ElementType;
using pqrt::NpyArray;
using pqrt::Status;
using pqrt::StepBuffers;
using pqrt::StepConfig;

/// Host memory pq-run is willing to allocate for buffers, all copies.
constexpr int64_t kMaxBufferBytes = int64_t(16) << 30;

std::string str(int64_t value) { return std::to_string(value); }

std::string gib(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f GiB", double(bytes) / (1 << 30));
  return text;
}

Status checkMemory(const StepConfig &config, int64_t seqLen, int64_t copies,
                   pqrt::KeyCache keys) {
  int64_t bytes = pqrt::stepBufferBytes(config, seqLen, keys);
  if (bytes < 0 || bytes > kMaxBufferBytes / copies) {
    return Status::invalid(
        "the step's buffers would need " +
        (bytes < 0 ? std::string("more than 2^63 bytes") : gib(bytes)) +
        (copies > 1 ? " x " + str(copies) + " copies" : std::string()) +
        ", above pq-run's limit of " + gib(kMaxBufferBytes) +
        "; use a smaller --seq-len, --batch or shape");
  }
  return Status::success();
}

int64_t indexed(const StepConfig &config, int64_t seqLen) {
  return std::max<int64_t>(seqLen - config.initOffset, 0);
}

/// A per-call value and where it came from, for messages that name what the
/// user supplied: "--seq-len 2046", "sk 2048 (the positions in DIR/key.npy)".
struct Sourced {
  int64_t value = 0;
  std::string text;
};

Sourced fromFlag(const char *flag, int64_t value) {
  return {value, std::string("--") + flag + " " + str(value)};
}

Status checkNumCached(const StepConfig &config, const Sourced &sk,
                      const Sourced &numCached) {
  const int64_t n = indexed(config, sk.value);
  if (numCached.value > n) {
    return Status::invalid(
        numCached.text + " exceeds n = sk - init_offset = " + str(n) + " (" +
        sk.text + ", init_offset " + str(config.initOffset) + ")");
  }
  return Status::success();
}

/// The module's static batch and max_seq_len, checked where b and sk are
/// known so the message names where they came from.
Status checkModuleLimits(const ModuleLimits &limits, const Sourced &batch,
                         const Sourced &sk) {
  if (limits.maxSeqLen > 0 && sk.value > limits.maxSeqLen) {
    return Status::invalid(sk.text + " exceeds the bundle's max_seq_len " +
                           str(limits.maxSeqLen) +
                           " (pq-compile --max-seq-len sets it)");
  }
  if (limits.staticBatch > 0 && batch.value != limits.staticBatch) {
    return Status::invalid(batch.text + " differs from the batch " +
                           str(limits.staticBatch) +
                           " the bundle was compiled for");
  }
  return Status::success();
}

Status prepareRandom(const RunOptions &o, StepConfig config,
                     int64_t defaultSeqLen, int64_t copies,
                     const ModuleLimits &limits, PreparedStep &step) {
  config.batch = o.batch.value_or(config.batch);
  const int64_t sk = o.seqLen.value_or(defaultSeqLen);
  const int64_t numCached =
      o.numCached.value_or(std::max<int64_t>(indexed(config, sk) - 1, 0));
  const Sourced batch =
      o.batch ? fromFlag("batch", config.batch)
              : Sourced{config.batch,
                        "batch " + str(config.batch) + " (the default)"};
  const Sourced seqLen = o.seqLen
                             ? fromFlag("seq-len", sk)
                             : Sourced{sk, "sk " + str(sk) + " (the default)"};
  Status status = pqrt::validateConfig(config);
  if (status.ok()) {
    status = checkModuleLimits(limits, batch, seqLen);
  }
  if (status.ok() && o.numCached) {
    status = checkNumCached(config, seqLen, fromFlag("num-cached", numCached));
  }
  // --build clusters the key cache whatever the step then reads.
  const pqrt::KeyCache keys = o.build
                                  ? pqrt::KeyCache::Allocated
                                  : pqrt::keyCacheNeeded(config, sk, numCached);
  if (status.ok()) {
    status = checkMemory(config, sk, copies, keys);
  }
  if (!status.ok()) {
    return status;
  }
  step.buffers = std::make_unique<StepBuffers>(config, sk, numCached, keys);
  const auto mode = o.ties ? pqrt::DataMode::Ties : pqrt::DataMode::Random;
  pqrt::fillRandom(*step.buffers, o.seed, mode);
  step.origin = std::string(o.ties ? "random with exact ties" : "random") +
                " (seed " + std::to_string(o.seed) + ")";
  return Status::success();
}

/// Reads DIR/name; `present` false (and Ok) when the file does not exist
/// and `optional` is set.
Status readInput(const std::string &dir, const char *name, bool optional,
                 NpyArray &array, bool &present) {
  std::string path = dir + "/" + name;
  std::error_code ec;
  present = std::filesystem::exists(path, ec);
  if (!present) {
    return optional ? Status::success()
                    : Status::invalid(path + ": no such file (required)");
  }
  return pqrt::readNpy(path, array);
}

int64_t dimOr(const NpyArray &array, size_t rank, size_t dim,
              int64_t fallback) {
  return array.shape.size() == rank ? array.shape[dim] : fallback;
}

/// Codes outside [0, C) named by their place in the file, before the step
/// (which would call the same entry "codebook: code ... at b, row, ...").
Status checkCodeRange(const StepConfig &c, const NpyArray &codes,
                      const std::string &path) {
  const ElementType type = pqrt::codeType(c);
  const int64_t count = int64_t(codes.data.size()) / pqrt::elementSize(type);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t code = pqrt::loadInt(type, codes.data.data(), i);
    if (code >= 0 && code < c.centroids()) {
      continue;
    }
    int64_t rest = i;
    std::vector<int64_t> at(codes.shape.size());
    for (size_t d = codes.shape.size(); d-- > 0;) {
      at[d] = rest % codes.shape[d];
      rest /= codes.shape[d];
    }
    return Status::invalid(path + ": code " + str(code) + " at " +
                           pqrt::npyShapeString(at) + " is outside [0, " +
                           str(c.centroids()) + ") (C = 2^bits, bits " +
                           str(c.bits) + ")");
  }
  return Status::success();
}

Status prepareFromFiles(const RunOptions &o, StepConfig config, int64_t copies,
                        const ModuleLimits &limits, PreparedStep &step) {
  const std::string &dir = o.inputsDir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::invalid("--inputs " + dir + ": not a directory");
  }
  NpyArray query, key, centroids, phi, codes;
  bool haveQuery, haveKey, haveCentroids, havePhi = false, haveCodes;
  Status status = readInput(dir, "query.npy", false, query, haveQuery);
  if (status.ok()) {
    status = readInput(dir, "key.npy", true, key, haveKey);
  }
  if (status.ok()) {
    status = readInput(dir, "centroids.npy", false, centroids, haveCentroids);
  }
  if (status.ok() && config.metric == pqrt::Metric::InnerProduct) {
    status = readInput(dir, "phi.npy", false, phi, havePhi);
  }
  if (status.ok()) {
    status = readInput(dir, "codes.npy", true, codes, haveCodes);
  }
  if (!status.ok()) {
    return status;
  }

  // The call's sizes: flags first, else what the files say.
  const StepConfig &c = config;
  config.batch = o.batch.value_or(dimOr(query, 4, 0, 1));
  const int64_t b = config.batch;
  const Sourced batch =
      o.batch ? fromFlag("batch", b)
              : Sourced{b, "batch " + str(b) + " (dimension 0 of " + dir +
                               "/query.npy)"};
  status = pqrt::validateConfig(config);
  if (!status.ok()) {
    return status;
  }
  status = pqrt::checkNpy(query, dir + "/query.npy", c.queryType,
                          {b, c.heads, 1, c.headDim}, "[b, h, 1, d]");
  if (!status.ok()) {
    return status;
  }
  int64_t keyRows = 0;
  if (haveKey) {
    keyRows = dimOr(key, 4, 2, 0);
    status = pqrt::checkNpy(key, dir + "/key.npy", c.queryType,
                            {b, c.kvHeads, keyRows, c.headDim},
                            "[b, h_kv, sk, d]");
    if (!status.ok()) {
      return status;
    }
  } else if (!o.seqLen) {
    return Status::invalid(dir + "/key.npy: missing; without it give sk "
                                 "with --seq-len");
  }
  const int64_t sk = o.seqLen.value_or(keyRows);
  const Sourced seqLen =
      o.seqLen ? fromFlag("seq-len", sk)
               : Sourced{sk, "sk " + str(sk) + " (the positions in " + dir +
                                 "/key.npy)"};
  if (sk < 1) {
    return Status::invalid(dir + "/key.npy: holds no positions; sk must be "
                                 ">= 1");
  }
  if (haveKey && sk > keyRows) {
    return Status::invalid(dir + "/key.npy: holds " + str(keyRows) +
                           " positions, fewer than " + seqLen.text);
  }
  status = checkModuleLimits(limits, batch, seqLen);
  if (!status.ok()) {
    return status;
  }
  status = pqrt::checkNpy(
      centroids, dir + "/centroids.npy", c.centroidType,
      {b, c.kvHeads, c.subspaces, c.centroids(), c.centroidDim()},
      c.metric == pqrt::Metric::InnerProduct ? "[b, h_kv, S, C, d/S + 1]"
                                             : "[b, h_kv, S, C, d/S]");
  if (!status.ok()) {
    return status;
  }
  if (havePhi) {
    std::vector<int64_t> flat = {b * c.kvHeads * c.subspaces};
    status = pqrt::checkNpy(phi, dir + "/phi.npy", ElementType::F32,
                            phi.shape.size() == 3
                                ? std::vector<int64_t>{b, c.kvHeads,
                                                       c.subspaces}
                                : flat,
                            "[b * h_kv * S]");
    if (!status.ok()) {
      return status;
    }
  }
  int64_t codeRows = 0;
  if (haveCodes) {
    const bool seed = c.layout == CodeLayout::Seed;
    codeRows = dimOr(codes, 4, seed ? 1 : 2, 0);
    std::vector<int64_t> shape =
        seed ? std::vector<int64_t>{b, codeRows, c.kvHeads, c.subspaces}
             : std::vector<int64_t>{b, c.kvHeads, codeRows, c.subspaces};
    status = pqrt::checkNpy(codes, dir + "/codes.npy", pqrt::codeType(c), shape,
                            seed ? "[b, n_cached, h_kv, S] (seed layout)"
                                 : "[b, h_kv, n_cached, S] (compact layout)");
    if (status.ok()) {
      status = checkCodeRange(c, codes, dir + "/codes.npy");
    }
    if (!status.ok()) {
      return status;
    }
  }
  const int64_t numCached = o.numCached.value_or(codeRows);
  const Sourced cached =
      o.numCached
          ? fromFlag("num-cached", numCached)
          : Sourced{numCached, "n_cached " + str(numCached) + " (the rows of " +
                                   dir + "/codes.npy)"};
  if (numCached > codeRows) {
    return Status::invalid(cached.text + ": " + dir + "/codes.npy " +
                           (haveCodes ? "holds only " + str(codeRows) + " rows"
                                      : std::string("is missing")));
  }
  status = checkNumCached(config, seqLen, cached);
  if (!status.ok()) {
    return status;
  }
  const pqrt::KeyCache keys = o.build
                                  ? pqrt::KeyCache::Allocated
                                  : pqrt::keyCacheNeeded(config, sk, numCached);
  if (!haveKey && o.build) {
    return Status::invalid(dir + "/key.npy: missing, but --build clusters "
                                 "the key cache");
  }
  if (!haveKey && keys == pqrt::KeyCache::Allocated) {
    const int64_t newKeys = indexed(config, sk) - numCached;
    return Status::invalid(dir + "/key.npy: missing, but " + str(newKeys) +
                           (newKeys == 1 ? " new key" : " new keys") +
                           " must be quantized (n_cached " + str(numCached) +
                           " < n = " + str(indexed(config, sk)) + ")");
  }

  // Only what the step reads: no key cache when nothing is quantized.
  config.keyCapacity = keyRows;
  config.codeCapacity = std::max(indexed(config, sk), codeRows);
  status = checkMemory(config, sk, copies, keys);
  if (!status.ok()) {
    return status;
  }
  auto buffers = std::make_unique<StepBuffers>(config, sk, numCached, keys);
  std::memcpy(buffers->query.data(), query.data.data(), query.data.size());
  if (buffers->hasKey()) {
    std::memcpy(buffers->key.data(), key.data.data(), key.data.size());
  }
  std::memcpy(buffers->centroids.data(), centroids.data.data(),
              centroids.data.size());
  if (havePhi) {
    std::memcpy(buffers->phi.data(), phi.data.data(), phi.data.size());
  }
  // File rows -> codebook rows; the buffer may have more rows (capacity n).
  const int64_t size = pqrt::elementSize(pqrt::codeType(c));
  const int64_t rowBytes =
      (c.layout == CodeLayout::Seed ? c.kvHeads : 1) * c.subspaces * size;
  const int64_t slices = c.layout == CodeLayout::Seed ? b : b * c.kvHeads;
  for (int64_t slice = 0; slice < slices && codeRows > 0; ++slice) {
    std::memcpy(buffers->codebook.data() +
                    slice * config.codeCapacity * rowBytes,
                codes.data.data() + slice * codeRows * rowBytes,
                size_t(codeRows * rowBytes));
  }
  step.buffers = std::move(buffers);
  step.origin = ".npy files in " + dir;
  return Status::success();
}

/// The first `rows` rows of the codebook in the file layout, and its shape.
std::vector<uint8_t> codeRows(const StepBuffers &buf, int64_t rows,
                              std::vector<int64_t> &shape) {
  const StepConfig &c = buf.config;
  const bool seed = c.layout == CodeLayout::Seed;
  const int64_t size = pqrt::elementSize(pqrt::codeType(c));
  const int64_t rowBytes = (seed ? c.kvHeads : 1) * c.subspaces * size;
  const int64_t slices = seed ? c.batch : c.batch * c.kvHeads;
  std::vector<uint8_t> out(size_t(slices * rows * rowBytes));
  for (int64_t slice = 0; slice < slices && rows > 0; ++slice) {
    std::memcpy(out.data() + slice * rows * rowBytes,
                buf.codebook.data() + slice * c.codeCapacity * rowBytes,
                size_t(rows * rowBytes));
  }
  shape = seed ? std::vector<int64_t>{c.batch, rows, c.kvHeads, c.subspaces}
               : std::vector<int64_t>{c.batch, c.kvHeads, rows, c.subspaces};
  return out;
}

Status writeCodes(const std::string &dir, const StepBuffers &buf) {
  std::vector<int64_t> shape;
  int64_t rows = std::min(buf.numCached, buf.config.codeCapacity);
  std::vector<uint8_t> data = codeRows(buf, rows, shape);
  return pqrt::writeNpy(dir + "/codes.npy",
                        pqrt::npyDtypeOf(pqrt::codeType(buf.config)), shape,
                        data.data());
}

} // namespace

Status makeDirectory(const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    return Status::invalid(dir + ": cannot create the directory" +
                           (ec ? ": " + ec.message() : std::string()));
  }
  return Status::success();
}

Status prepareStep(const RunOptions &options, const StepConfig &config,
                   int64_t defaultSeqLen, int64_t copies,
                   const ModuleLimits &limits, PreparedStep &step) {
  if (!options.inputsDir.empty()) {
    return prepareFromFiles(options, config, copies, limits, step);
  }
  return prepareRandom(options, config, defaultSeqLen, copies, limits, step);
}

Status saveInputs(const std::string &dir, const StepBuffers &buf) {
  Status status = makeDirectory(dir);
  const StepConfig &c = buf.config;
  const int64_t b = c.batch;
  if (status.ok()) {
    status = pqrt::writeNpy(dir + "/query.npy", pqrt::npyDtypeOf(c.queryType),
                            {b, c.heads, 1, c.headDim}, buf.query.data());
  }
  // No key cache when the step quantizes nothing: --inputs reads such a
  // directory the same way.
  if (status.ok() && buf.hasKey()) {
    status = pqrt::writeNpy(dir + "/key.npy", pqrt::npyDtypeOf(c.queryType),
                            {b, c.kvHeads, c.keyCapacity, c.headDim},
                            buf.key.data());
  }
  if (status.ok()) {
    status = pqrt::writeNpy(
        dir + "/centroids.npy", pqrt::npyDtypeOf(c.centroidType),
        {b, c.kvHeads, c.subspaces, c.centroids(), c.centroidDim()},
        buf.centroids.data());
  }
  if (status.ok() && c.metric == pqrt::Metric::InnerProduct) {
    status = pqrt::writeNpy(dir + "/phi.npy", pqrt::NpyDtype::F32,
                            {b * c.kvHeads * c.subspaces}, buf.phi.data());
  }
  if (status.ok()) {
    status = writeCodes(dir, buf);
  }
  return status;
}

Status writeOutputs(const std::string &dir, const StepBuffers &buf) {
  Status status = makeDirectory(dir);
  const StepConfig &c = buf.config;
  if (status.ok()) {
    status = pqrt::writeNpy(dir + "/sparse_list.npy",
                            pqrt::npyDtypeOf(c.indexType),
                            {c.batch, c.heads, buf.total}, buf.sparseList.data());
  }
  if (status.ok()) {
    status = pqrt::writeNpy(dir + "/sparse_len.npy", pqrt::NpyDtype::I64,
                            {c.batch, c.heads}, buf.sparseLen.data());
  }
  if (status.ok()) {
    status = pqrt::writeNpy(dir + "/weight_list.npy",
                            pqrt::npyDtypeOf(c.weightType),
                            {c.batch, c.heads, buf.seqLen},
                            buf.weightList.data());
  }
  if (status.ok()) {
    status = writeCodes(dir, buf);
  }
  return status;
}

} // namespace pqrun
