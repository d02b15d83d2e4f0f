//===- Float16Test.cpp - bf16/fp16 conversions and type names -------------===//

#include "pqrt/Float16.h"
#include "pqrt/Layout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace pqrt {
namespace {

TEST(Float16Test, BF16RoundsToNearestEven) {
  EXPECT_EQ(floatToBF16(1.0f), 0x3F80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to the even mantissa.
  EXPECT_EQ(floatToBF16(1.00390625f), 0x3F80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: rounds up.
  EXPECT_EQ(floatToBF16(1.01171875f), 0x3F82);
  // Just above the halfway point rounds up.
  EXPECT_EQ(floatToBF16(std::nextafter(1.00390625f, 2.0f)), 0x3F81);
  EXPECT_EQ(floatToBF16(-2.0f), 0xC000);
}

TEST(Float16Test, BF16SpecialValues) {
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(floatToBF16(inf), 0x7F80);
  EXPECT_EQ(floatToBF16(-inf), 0xFF80);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBF16(std::nanf("")))));
  // The largest finite float rounds to infinity in bf16.
  EXPECT_EQ(floatToBF16(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_EQ(bf16ToFloat(0x3F81), 1.0078125f);
}

TEST(Float16Test, F16RoundsToNearestEven) {
  EXPECT_EQ(floatToF16(1.0f), 0x3C00);
  EXPECT_EQ(floatToF16(1.0f + 1.0f / 2048), 0x3C00); // tie -> even
  EXPECT_EQ(floatToF16(1.0f + 3.0f / 2048), 0x3C02); // tie -> even (up)
  EXPECT_EQ(floatToF16(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToF16(65519.0f), 0x7BFF);
  EXPECT_EQ(floatToF16(65520.0f), 0x7C00); // halfway to 2^16 -> inf
  EXPECT_EQ(floatToF16(-65520.0f), 0xFC00);
}

TEST(Float16Test, F16Subnormals) {
  float smallest = std::ldexp(1.0f, -24);
  EXPECT_EQ(floatToF16(smallest), 0x0001);
  EXPECT_EQ(f16ToFloat(0x0001), smallest);
  EXPECT_EQ(floatToF16(smallest / 2), 0x0000);          // tie -> even (0)
  EXPECT_EQ(floatToF16(smallest * 1.5f), 0x0002);       // tie -> even (2)
  EXPECT_EQ(floatToF16(std::ldexp(1.0f, -14)), 0x0400); // smallest normal
  EXPECT_EQ(f16ToFloat(0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_EQ(floatToF16(-0.0f), 0x8000);
}

TEST(Float16Test, F16SpecialValues) {
  EXPECT_EQ(f16ToFloat(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f16ToFloat(floatToF16(std::nanf("")))));
  EXPECT_EQ(floatToF16(std::numeric_limits<float>::infinity()), 0x7C00);
}

TEST(Float16Test, F16RoundTripsEveryFiniteValue) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    uint16_t h = uint16_t(bits);
    if ((h & 0x7C00) == 0x7C00) {
      continue; // inf and NaN
    }
    ASSERT_EQ(floatToF16(f16ToFloat(h)), h) << std::hex << bits;
  }
}

TEST(Float16Test, BF16RoundTripsEveryFiniteValue) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    uint16_t h = uint16_t(bits);
    if ((h & 0x7F80) == 0x7F80) {
      continue;
    }
    ASSERT_EQ(floatToBF16(bf16ToFloat(h)), h) << std::hex << bits;
  }
}

TEST(Float16Test, NamesAndSizes) {
  EXPECT_STREQ(elementTypeName(ElementType::BF16), "bf16");
  EXPECT_STREQ(elementTypeName(ElementType::U8), "u8");
  EXPECT_EQ(elementSize(ElementType::F32), 4);
  EXPECT_EQ(elementSize(ElementType::F16), 2);
  EXPECT_EQ(elementSize(ElementType::BF16), 2);
  EXPECT_EQ(elementSize(ElementType::I64), 8);
  EXPECT_EQ(elementSize(ElementType::I32), 4);
  EXPECT_EQ(elementSize(ElementType::U8), 1);
  EXPECT_STREQ(metricName(Metric::InnerProduct), "ip");
  EXPECT_STREQ(layoutName(CodeLayout::Seed), "seed");
}

TEST(Float16Test, TypedLoadsAndStores) {
  uint16_t half[1];
  storeFloat(ElementType::BF16, half, 0, 3.0f);
  EXPECT_EQ(half[0], 0x4040);
  EXPECT_EQ(loadFloat(ElementType::BF16, half, 0), 3.0f);
  storeFloat(ElementType::F16, half, 0, 3.0f);
  EXPECT_EQ(half[0], 0x4200);
  int32_t small[1];
  storeInt(ElementType::I32, small, 0, 77);
  EXPECT_EQ(loadInt(ElementType::I32, small, 0), 77);
}

} // namespace
} // namespace pqrt
