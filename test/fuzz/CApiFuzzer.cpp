//===- CApiFuzzer.cpp - libFuzzer target for the C API's host functions ---===//
//
// Any bytes become a pqrt_config and a pqrt_step: mostly small and valid,
// sometimes with extreme sizes (negative, 2^40 + 1, INT64_MAX), enum values
// outside their enums, wrong struct sizes, NULL or missing buffers, codes
// outside [0, C) and n_cached out of range. Buffers are sized by this
// file's own reading of SEMANTICS.md (not the library's), within a budget;
// a step too large for the budget only reaches the functions that read no
// buffer. Every call must return a status without reading or writing out
// of bounds (ASan); a rejected call writes nothing; an accepted step
// writes rows of `total` positions in [0, sk) and sparse_len = total.
//
//===----------------------------------------------------------------------===//

#include "pqrt/pqrt.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace {

constexpr int64_t kMax = INT64_MAX;
/// Bytes the fuzzer allocates per step, all buffers together.
constexpr __int128 kBudget = 16 << 20;
constexpr uint8_t kSentinel = 0xA5;

/// Mostly a value in [low, high]; sometimes one of the edges that broke
/// things before (issue 9).
int64_t size(FuzzedDataProvider &in, int64_t low, int64_t high) {
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
  case 0:
    return in.PickValueInArray<int64_t>(
        {-1, 0, kMax, kMax - 2, PQRT_MAX_TOKENS, PQRT_MAX_TOKENS + 1,
         int64_t(1) << 62, INT64_MIN, PQRT_MAX_HEADS + 1, PQRT_MAX_BATCH + 1});
  default:
    return in.ConsumeIntegralInRange<int64_t>(low, high);
  }
}

int enumValue(FuzzedDataProvider &in, int count) {
  return in.ConsumeIntegralInRange<int>(0, 31) == 0
             ? in.PickValueInArray<int>({-1, count, 7, 1 << 30})
             : in.ConsumeIntegralInRange<int>(0, count - 1);
}

int elementBytes(int dtype) {
  switch (dtype) {
  case PQRT_F32:
  case PQRT_I32:
    return 4;
  case PQRT_F16:
  case PQRT_BF16:
    return 2;
  case PQRT_I64:
    return 8;
  default:
    return 1;
  }
}

/// A buffer of `count` elements of `bytes`, or none when it is not wanted.
struct Buffer {
  std::vector<uint8_t> bytes;
  void *data() { return bytes.empty() ? nullptr : bytes.data(); }
};

/// Products saturate far above any budget, so huge sizes stay defined.
constexpr __int128 kHuge = __int128(1) << 100;

__int128 mul(std::initializer_list<__int128> factors) {
  __int128 result = 1;
  for (__int128 factor : factors) {
    if (factor < 0) {
      return -1;
    }
    if (factor != 0 && result > kHuge / factor) {
      return kHuge;
    }
    result *= factor;
  }
  return result;
}

__int128 lesser(__int128 x, __int128 y) { return x < y ? x : y; }

/// This file's own element counts (SEMANTICS.md), in 128-bit arithmetic.
struct Sizes {
  __int128 query = 0, key = 0, centroids = 0, phi = 0, codes = 0;
  __int128 list = 0, len = 0, weights = 0, scores = 0, total = 0;
};

/// `metric` as stored: reading c.metric through its enum type would be
/// undefined for the out-of-range values this fuzzer stores.
Sizes sizesOf(const pqrt_config &c, int metric, const pqrt_step &s) {
  Sizes z;
  const __int128 b = s.batch, sk = s.seq_len;
  const __int128 n = sk > c.init_offset ? sk - c.init_offset : 0;
  const __int128 count = __int128(1) << (c.bits & 63);
  const bool full = sk <= __int128(c.heavy) + c.init_offset + 1 + count;
  z.total =
      full ? sk
           : lesser(c.sink, sk) + lesser(c.heavy, n) + lesser(c.window, sk);
  const __int128 width = (c.subspaces > 0 ? c.head_dim / c.subspaces : 0) +
                         (metric == PQRT_METRIC_IP ? 1 : 0);
  z.query = mul({b, c.heads, c.head_dim});
  z.key = mul({b, c.kv_heads, s.key_capacity, c.head_dim});
  z.centroids = mul({b, c.kv_heads, c.subspaces, count, width});
  z.phi = mul({b, c.kv_heads, c.subspaces});
  z.codes = mul({b, s.code_capacity, c.kv_heads, c.subspaces});
  z.list = mul({b, c.heads, z.total});
  z.len = mul({b, c.heads});
  z.weights = mul({b, c.heads, sk});
  z.scores = mul({b, c.heads, n});
  return z;
}

bool fits(const Sizes &z, const pqrt_config &c) {
  const __int128 parts[] = {z.query * 4, z.key * 4,     z.centroids * 4,
                            z.phi * 4,   z.codes * 8,   z.list * 8,
                            z.len * 8,   z.weights * 4, z.scores * 4};
  __int128 sum = 0;
  for (__int128 part : parts) {
    if (part < 0 || part > kBudget) {
      return false;
    }
    sum += part;
  }
  return sum <= kBudget && c.bits >= 0 && c.bits <= 16;
}

bool within(int64_t value, int64_t low, int64_t high) {
  return value >= low && value <= high;
}

/// Bytes per element of each buffer, from the values stored in the config.
struct ElementBytes {
  int query, centroid, code, index, weight;
};

/// Whether the call breaks a rule the library must refuse before reading
/// anything: a size outside pqrt_limits.h, or a buffer past 2^63 bytes.
bool mustRefuse(const pqrt_config &c, const pqrt_step &s, const Sizes &z,
                const ElementBytes &e) {
  const bool sizesOk = within(s.batch, 1, PQRT_MAX_BATCH) &&
                       within(c.heads, 1, PQRT_MAX_HEADS) &&
                       within(c.kv_heads, 1, PQRT_MAX_HEADS) &&
                       within(c.head_dim, 1, PQRT_MAX_HEAD_DIM) &&
                       within(c.subspaces, 1, PQRT_MAX_HEAD_DIM) &&
                       within(c.bits, 1, PQRT_MAX_BITS) &&
                       within(c.sink, 0, PQRT_MAX_TOKENS) &&
                       within(c.window, 0, PQRT_MAX_TOKENS) &&
                       within(c.heavy, 0, PQRT_MAX_TOKENS) &&
                       within(c.init_offset, 0, PQRT_MAX_TOKENS) &&
                       within(s.seq_len, 1, PQRT_MAX_TOKENS) &&
                       within(s.key_capacity, 0, PQRT_MAX_TOKENS) &&
                       within(s.code_capacity, 0, PQRT_MAX_TOKENS);
  if (!sizesOk) {
    return true;
  }
  const __int128 bytes[] = {z.query * e.query,        z.key * e.query,
                            z.centroids * e.centroid, z.codes * e.code,
                            z.list * e.index,         z.weights * e.weight};
  for (__int128 part : bytes) {
    if (part > INT64_MAX) {
      return true;
    }
  }
  return false;
}

void allocate(Buffer &buffer, __int128 count, int bytes, uint8_t fill) {
  buffer.bytes.assign(size_t(count * bytes) + 1, fill);
}

bool untouched(const Buffer &buffer) {
  for (uint8_t byte : buffer.bytes) {
    if (byte != kSentinel) {
      return false;
    }
  }
  return true;
}

void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t length) {
  FuzzedDataProvider in(data, length);
  pqrt_config c;
  pqrt_config_init(&c);
  // Products of picked values may leave int64: keep them defined.
  auto times = [](int64_t a, int64_t b) {
    int64_t out = 0;
    return __builtin_mul_overflow(a, b, &out) ? a : out;
  };
  c.kv_heads = size(in, 1, 3);
  c.heads = times(c.kv_heads, in.ConsumeIntegralInRange<int64_t>(1, 3));
  c.subspaces = size(in, 1, 4);
  c.head_dim = times(c.subspaces, in.ConsumeIntegralInRange<int64_t>(1, 4));
  c.bits = size(in, 1, 5);
  c.sink = size(in, 0, 6);
  c.window = size(in, 0, 6);
  c.heavy = size(in, 0, 12);
  c.init_offset = size(in, 0, 6);
  // Stored through int: out-of-range values are what a C caller can pass.
  const int enums[6] = {enumValue(in, 2), enumValue(in, 2), enumValue(in, 3),
                        enumValue(in, 3), enumValue(in, 3), enumValue(in, 2)};
  std::memcpy(&c.metric, &enums[0], sizeof(int));
  std::memcpy(&c.layout, &enums[1], sizeof(int));
  const int floats[3] = {PQRT_F32, PQRT_F16, PQRT_BF16};
  const int indices[2] = {PQRT_I64, PQRT_I32};
  const int query = enums[2] < 3 && enums[2] >= 0 ? floats[enums[2]] : enums[2];
  const int centroid = enums[3] == 1   ? PQRT_BF16
                       : enums[3] == 0 ? PQRT_F32
                                       : enums[3];
  const int weight =
      enums[4] < 3 && enums[4] >= 0 ? floats[enums[4]] : enums[4];
  const int index =
      enums[5] < 2 && enums[5] >= 0 ? indices[enums[5]] : enums[5];
  std::memcpy(&c.query_type, &query, sizeof(int));
  std::memcpy(&c.centroid_type, &centroid, sizeof(int));
  std::memcpy(&c.weight_type, &weight, sizeof(int));
  std::memcpy(&c.index_type, &index, sizeof(int));

  pqrt_step s;
  pqrt_step_init(&s);
  s.batch = size(in, 1, 2);
  s.seq_len = size(in, 1, 48);
  int64_t n = 0;
  if (__builtin_sub_overflow(s.seq_len, c.init_offset, &n) || n < 0) {
    n = 0;
  }
  s.key_capacity = in.ConsumeBool() ? s.seq_len : size(in, 0, 50);
  s.code_capacity = in.ConsumeBool() ? n : size(in, 0, 50);
  int64_t cached = in.ConsumeBool() ? n : size(in, -1, n < kMax ? n + 1 : n);
  const int64_t cachedBefore = cached;
  s.num_cached = &cached;
  if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
    c.struct_size = in.PickValueInArray<size_t>({0, 8, 4097});
  }
  if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
    s.struct_size = in.PickValueInArray<size_t>({0, 8, 1u << 20});
  }

  int64_t total = -7;
  int full = -7;
  const pqrt_status totalStatus =
      pqrt_output_total(&c, s.seq_len, &total, &full);
  check(totalStatus == PQRT_OK || totalStatus == PQRT_INVALID_ARGUMENT);
  check(totalStatus == PQRT_OK || (total == -7 && full == -7));

  const Sizes z = sizesOf(c, enums[0], s);
  if (!fits(z, c)) {
    // Too large to back with memory. Past the limits the library must
    // refuse it before reading a buffer, so an 8-byte stand-in is never
    // read past (ASan); within them, nothing here can be checked.
    const ElementBytes e = {elementBytes(query), elementBytes(centroid),
                            enums[1] == PQRT_LAYOUT_SEED ? 8 : 1,
                            elementBytes(index), elementBytes(weight)};
    if (mustRefuse(c, s, z, e)) {
      uint8_t fake[8] = {};
      s.query = s.key = s.centroids = s.codebook = fake;
      s.sparse_list = s.weight_list = fake;
      s.sparse_len = reinterpret_cast<int64_t *>(fake);
      check(pqrt_reference_run(&c, &s) == PQRT_INVALID_ARGUMENT);
      check(cached == cachedBefore);
      for (uint8_t byte : fake) {
        check(byte == 0);
      }
    }
    return 0;
  }

  const int codeBytes = enums[1] == PQRT_LAYOUT_SEED ? 8 : 1;
  Buffer q, k, cent, phi, codes, list, len, weights;
  allocate(q, z.query, elementBytes(query), 0);
  allocate(k, z.key, elementBytes(query), 0);
  allocate(cent, z.centroids, elementBytes(centroid), 0);
  allocate(phi, z.phi, 4, 0);
  allocate(codes, z.codes, codeBytes, 0);
  allocate(list, z.list, elementBytes(index), kSentinel);
  allocate(len, z.len, 8, kSentinel);
  allocate(weights, z.weights, elementBytes(weight), kSentinel);
  // Inputs from the fuzz data (NaN and infinities included), codes mostly
  // in range.
  for (Buffer *input : {&q, &k, &cent, &phi}) {
    std::vector<uint8_t> bytes =
        in.ConsumeBytes<uint8_t>(input->bytes.size() - 1);
    if (!bytes.empty()) {
      std::memcpy(input->bytes.data(), bytes.data(), bytes.size());
    }
  }
  const int64_t codeCount = int64_t(codes.bytes.size() - 1) / codeBytes;
  const int64_t centroidCount = int64_t(1) << (c.bits & 15);
  for (int64_t i = 0; i < codeCount && in.remaining_bytes() > 0; ++i) {
    int64_t code =
        in.ConsumeIntegralInRange<int>(0, 63) == 0
            ? in.PickValueInArray<int64_t>({-1, centroidCount, 255})
            : in.ConsumeIntegralInRange<int64_t>(0, centroidCount - 1);
    std::memcpy(codes.bytes.data() + i * codeBytes, &code, codeBytes);
  }
  s.query = in.ConsumeIntegralInRange<int>(0, 31) ? q.data() : nullptr;
  s.key = in.ConsumeIntegralInRange<int>(0, 7) ? k.data() : nullptr;
  s.centroids = cent.data();
  s.phi = in.ConsumeBool() ? static_cast<const float *>(phi.data()) : nullptr;
  s.codebook = codes.data();
  s.sparse_list = list.data();
  s.sparse_len = static_cast<int64_t *>(len.data());
  s.weight_list =
      in.ConsumeIntegralInRange<int>(0, 31) ? weights.data() : nullptr;

  const std::vector<uint8_t> codesBefore = codes.bytes;
  const pqrt_status status = pqrt_reference_run(&c, &s);
  check(status == PQRT_OK || status == PQRT_INVALID_ARGUMENT);
  if (status != PQRT_OK) {
    check(untouched(list) && untouched(len) && untouched(weights));
    check(codes.bytes == codesBefore && cached == cachedBefore);
    return 0;
  }
  check(totalStatus == PQRT_OK && total == int64_t(z.total));
  const int64_t rows = int64_t(z.len);
  for (int64_t row = 0; row < rows; ++row) {
    check(s.sparse_len[row] == total);
    for (int64_t e = 0; e < total; ++e) {
      int64_t position = 0;
      std::memcpy(&position,
                  list.bytes.data() + (row * total + e) * elementBytes(index),
                  elementBytes(index));
      if (index == PQRT_I32) {
        position = int32_t(position);
      }
      check(position >= 0 && position < s.seq_len);
    }
  }

  // The tie-aware comparison of the outputs with themselves passes.
  pqrt_outputs outputs;
  pqrt_outputs_init(&outputs);
  outputs.sparse_list = list.data();
  outputs.sparse_len = s.sparse_len;
  outputs.weight_list = weights.data();
  check(pqrt_reference_compare_identical(&c, s.batch, s.seq_len, &outputs,
                                         &outputs) == PQRT_OK);
  if (full) {
    check(pqrt_reference_compare(&c, s.batch, s.seq_len, &outputs, nullptr,
                                 &outputs, -1) == PQRT_OK);
    return 0;
  }
  std::vector<float> scores(size_t(z.scores) + 1);
  const pqrt_status scored =
      pqrt_reference_scores(&c, &s, scores.data(), int64_t(scores.size()) - 1);
  check(scored == PQRT_OK || scored == PQRT_INVALID_ARGUMENT);
  if (scored == PQRT_OK) {
    check(pqrt_reference_compare(&c, s.batch, s.seq_len, &outputs,
                                 scores.data(), &outputs, -1) == PQRT_OK);
  }
  return 0;
}
