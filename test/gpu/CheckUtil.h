//===- CheckUtil.h - What the step's and the build's checks share -*- C++ -*-===//
//
// Harness.cpp (the step's checks) and BuildChecks.cpp (the build's) fill
// outputs with the same garbage bytes, word their failures alike and test
// buffers the same way.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_GPU_CHECKUTIL_H
#define PQ_TEST_GPU_CHECKUTIL_H

#include "pqrt/pqrt.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

namespace pqgpu {

/// Output fill byte of run `run`, a new one per run. None of them reads as
/// a valid output: as a weight it is neither 0 nor 1 (bf16/f16/f32 alike),
/// as an index it is negative or far beyond any sk, as a length likewise.
inline uint8_t fillByte(int run) {
  static const uint8_t kPatterns[] = {0xA5, 0x5A, 0xFF, 0xC3, 0x3C, 0x81, 0x7E};
  return kPatterns[run % 7];
}

inline std::string str(int64_t value) { return std::to_string(value); }

/// "PQRT_INVALID_ARGUMENT: message" (the name alone without a message).
inline std::string statusText(pqrt_status status, const std::string &message) {
  return std::string(pqrt_status_name(status)) +
         (message.empty() ? std::string() : ": " + message);
}

/// Whether every one of `size` bytes at `data` is `byte`.
inline bool allBytes(const void *data, size_t size, uint8_t byte) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  return std::all_of(bytes, bytes + size,
                     [byte](uint8_t value) { return value == byte; });
}

/// Whether `text` contains `word`, ignoring case.
inline bool containsWord(const std::string &text, const std::string &word) {
  auto lower = [](std::string s) {
    for (char &ch : s) {
      ch = char(std::tolower(static_cast<unsigned char>(ch)));
    }
    return s;
  };
  return lower(text).find(lower(word)) != std::string::npos;
}

} // namespace pqgpu

#endif // PQ_TEST_GPU_CHECKUTIL_H
