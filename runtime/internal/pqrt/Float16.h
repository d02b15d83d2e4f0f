//===- Float16.h - bf16 and fp16 conversions --------------------*- C++ -*-===//
//
// Bit-level conversions between fp32 and the two 16-bit float formats used by
// query, key, centroid and weight buffers. Float -> 16-bit rounds to nearest,
// ties to even (what PyTorch and the GPU's cvt.rn do), so host-built inputs and
// device-read inputs agree bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_FLOAT16_H
#define PQRT_FLOAT16_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace pqrt {

inline uint32_t floatToBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

inline float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// bf16 is the upper half of an fp32, so widening is exact.
inline float bf16ToFloat(uint16_t bits) {
  return bitsToFloat(uint32_t(bits) << 16);
}

inline uint16_t floatToBF16(float value) {
  uint32_t bits = floatToBits(value);
  // NaN: keep the sign and force a quiet NaN; rounding could make it inf.
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    return uint16_t((bits >> 16) | 0x0040u);
  }
  bits += 0x7fffu + ((bits >> 16) & 1u); // round to nearest, ties to even
  return uint16_t(bits >> 16);
}

inline float f16ToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24 is exact in fp32.
    float magnitude = std::ldexp(float(mantissa), -24);
    return bitsToFloat(floatToBits(magnitude) | sign);
  }
  if (exponent == 31) {
    return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));
  }
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

inline uint16_t floatToF16(float value) {
  uint32_t bits = floatToBits(value);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) {
    return uint16_t(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
  }
  // 65520 is halfway between 65504 (largest f16) and 65536: ties to even
  // rounds it, and everything above, to infinity.
  if (magnitude >= 0x477ff000u) {
    return uint16_t(sign | 0x7c00u);
  }
  if (magnitude < 0x38800000u) {
    // Below 2^-14 the result is subnormal: adding 0.5f aligns the mantissa so
    // the FPU's own round-to-nearest-even does the rounding.
    float shifted = bitsToFloat(magnitude) + 0.5f;
    return uint16_t(sign | (floatToBits(shifted) - 0x3f000000u));
  }
  uint32_t odd = (magnitude >> 13) & 1u;
  magnitude += 0xc8000fffu + odd; // rebias exponent 127 -> 15, then round
  return uint16_t(sign | (magnitude >> 13));
}

} // namespace pqrt

#endif // PQRT_FLOAT16_H
