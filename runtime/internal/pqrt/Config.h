//===- Config.h - Static description of one indexer step --------*- C++ -*-===//
//
// The settings of one PQCache indexer step (see SEMANTICS.md) shared by the
// CPU reference, the module manifest and the runtime. Plain C++, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_CONFIG_H
#define PQRT_CONFIG_H

#include <cstdint>
#include <string>
#include <utility>

namespace pqrt {

enum class ElementType { F32, F16, BF16, I32, I64, U8 };
enum class Metric { Euclidean, InnerProduct };
enum class CodeLayout {
  Seed,    // int64 [b, n_max, h_kv, S]
  Compact, // uint8 [b, h_kv, n_max, S]
};

/// Everything about a step that a compiled module fixes at compile time, plus
/// the batch size. Dynamic per-call values (sk, n_cached) live in StepArgs.
struct StepConfig {
  int64_t batch = 1;
  int64_t heads = 32;    // h
  int64_t kvHeads = 32;  // h_kv
  int64_t headDim = 128; // d
  int64_t subspaces = 2; // S = pq_group_factor
  int64_t bits = 6;      // pq_bits, C = 1 << bits
  int64_t sink = 128;
  int64_t window = 128;
  int64_t heavy = 256;
  int64_t initOffset = 128;
  Metric metric = Metric::Euclidean;
  CodeLayout layout = CodeLayout::Compact;
  ElementType queryType = ElementType::BF16;   // also the key cache type
  ElementType centroidType = ElementType::F32; // F32 or BF16
  ElementType weightType = ElementType::BF16;
  ElementType indexType = ElementType::I64; // sparse_list; sparse_len is I64
  int64_t codeCapacity = 0;                 // n_max: rows of the codebook
  int64_t keyCapacity = 0; // rows of the key cache per (b, kv); >= sk

  int64_t centroids() const { return int64_t(1) << bits; }
  int64_t subDim() const { return headDim / subspaces; }
  /// ds' : the stored centroid width (ip carries one augmented dimension).
  int64_t centroidDim() const {
    return subDim() + (metric == Metric::InnerProduct ? 1 : 0);
  }
  int64_t group() const { return heads / kvHeads; }
};

/// Status of a call: Ok, or an error with a message naming the argument.
enum class StatusCode {
  Ok = 0,
  InvalidArgument,
  NoDriver,
  NoDevice,
  DriverError,
  BadModule,
  Unsupported,
  Mismatch, // a comparison found outputs that break SEMANTICS.md
};

struct Status {
  StatusCode code = StatusCode::Ok;
  std::string message;

  bool ok() const { return code == StatusCode::Ok; }
  static Status success() { return {}; }
  static Status invalid(std::string msg) {
    return {StatusCode::InvalidArgument, std::move(msg)};
  }
  static Status mismatch(std::string msg) {
    return {StatusCode::Mismatch, std::move(msg)};
  }
};

/// "f32", "f16", "bf16", "i32", "i64", "u8".
const char *elementTypeName(ElementType type);
/// Bytes per element.
int64_t elementSize(ElementType type);
/// "euclidean" or "ip".
const char *metricName(Metric metric);
/// "seed" or "compact".
const char *layoutName(CodeLayout layout);

} // namespace pqrt

#endif // PQRT_CONFIG_H
