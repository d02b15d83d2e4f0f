//===- NpyRoundTripTest.cpp - .npy writer/reader round trips --------------===//
//
// Every dtype and a range of shapes through encode -> parse and through
// files; the exact bytes numpy.save writes; headers of formats 2.0 and 3.0
// and the bf16 spellings other writers use.
//
//===----------------------------------------------------------------------===//

#include "NpyImage.h"
#include "pqrt/Float16.h"
#include "pqhost/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace pqrt {
namespace {

const NpyDtype kAllDtypes[] = {NpyDtype::F32, NpyDtype::F16, NpyDtype::BF16,
                               NpyDtype::I8,  NpyDtype::U8,  NpyDtype::I16,
                               NpyDtype::U16, NpyDtype::I32, NpyDtype::I64};

std::vector<uint8_t> pattern(size_t bytes) {
  std::vector<uint8_t> data(bytes);
  for (size_t i = 0; i < bytes; ++i) {
    data[i] = uint8_t(i * 37 + 11);
  }
  return data;
}

using test::npyImage;

class NpyDtypeRoundTrip : public ::testing::TestWithParam<NpyDtype> {};

TEST_P(NpyDtypeRoundTrip, EncodeParse) {
  const NpyDtype dtype = GetParam();
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {1}, {7}, {0}, {2, 0, 3}, {2, 3}, {1, 4, 1, 5}, {3, 1, 2, 2, 2}};
  for (const auto &shape : shapes) {
    int64_t count = 1;
    for (int64_t d : shape) {
      count *= d;
    }
    std::vector<uint8_t> data = pattern(size_t(count * npyDtypeSize(dtype)));
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(encodeNpy(dtype, shape, data.data(), bytes).ok());
    // numpy's alignment: the data starts on a 64-byte boundary.
    EXPECT_EQ((bytes.size() - data.size()) % 64, 0u);
    NpyArray array;
    Status status = parseNpy(bytes.data(), bytes.size(), array);
    ASSERT_TRUE(status.ok()) << status.message;
    EXPECT_EQ(array.shape, shape);
    EXPECT_EQ(array.data, data);
    EXPECT_EQ(array.elements(), count);
    // bf16 travels as raw '<i2' bits and comes back as i16, which a bf16
    // buffer accepts.
    NpyDtype expected = dtype == NpyDtype::BF16 ? NpyDtype::I16 : dtype;
    EXPECT_EQ(array.dtype, expected);
    EXPECT_EQ(array.descr, npyDescr(dtype));
  }
}

TEST_P(NpyDtypeRoundTrip, File) {
  const NpyDtype dtype = GetParam();
  std::string path = ::testing::TempDir() + "/pq_npy_roundtrip_" +
                     npyDtypeName(dtype) + ".npy";
  std::vector<int64_t> shape = {2, 3, 5};
  std::vector<uint8_t> data = pattern(size_t(30 * npyDtypeSize(dtype)));
  Status status = writeNpy(path, dtype, shape, data.data());
  ASSERT_TRUE(status.ok()) << status.message;
  NpyArray array;
  status = readNpy(path, array);
  ASSERT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(array.shape, shape);
  EXPECT_EQ(array.data, data);
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(AllDtypes, NpyDtypeRoundTrip,
                         ::testing::ValuesIn(kAllDtypes),
                         [](const auto &info) {
                           return std::string(npyDtypeName(info.param));
                         });

TEST(NpyFormatTest, BytesMatchNumpySave) {
  // np.save(f, np.arange(3, dtype='<f4')) with numpy >= 1.x: header 118
  // bytes ('v\x00'), so the data starts at 128.
  float values[] = {0.0f, 1.0f, 2.0f};
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(encodeNpy(NpyDtype::F32, {3}, values, bytes).ok());
  ASSERT_EQ(bytes.size(), 128u + 12u);
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  EXPECT_EQ(bytes[8], 118);
  EXPECT_EQ(bytes[9], 0);
  std::string header(bytes.begin() + 10, bytes.begin() + 128);
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  EXPECT_EQ(header.substr(0, dict.size()), dict);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.find_first_not_of(' ', dict.size()), header.size() - 1);
  EXPECT_EQ(std::memcmp(bytes.data() + 128, values, 12), 0);
}

TEST(NpyFormatTest, Versions2And3) {
  std::vector<uint8_t> data = pattern(8);
  for (int major : {1, 2, 3}) {
    auto bytes = npyImage(
        major, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n",
        data);
    NpyArray array;
    Status status = parseNpy(bytes.data(), bytes.size(), array);
    ASSERT_TRUE(status.ok()) << major << ": " << status.message;
    EXPECT_EQ(array.dtype, NpyDtype::I32);
    EXPECT_EQ(array.data, data);
  }
}

TEST(NpyFormatTest, HeaderSpellings) {
  // Double quotes, no trailing comma, other key order, no padding, Python 2
  // longs, a one-element tuple without the trailing comma.
  const char *headers[] = {
      "{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (2, 1)}",
      "{'shape': (2, 1), 'fortran_order': False, 'descr': '<i8'}   \n",
      "{'descr':'<i8','fortran_order':False,'shape':(2L, 1L),}",
      "{ 'descr' : '=i8' , 'fortran_order' : False , 'shape' : ( 2 , 1 ) }",
  };
  std::vector<uint8_t> data = pattern(16);
  for (const char *header : headers) {
    auto bytes = npyImage(1, header, data);
    NpyArray array;
    Status status = parseNpy(bytes.data(), bytes.size(), array);
    ASSERT_TRUE(status.ok()) << header << ": " << status.message;
    EXPECT_EQ(array.shape, (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(array.dtype, NpyDtype::I64);
  }
}

TEST(NpyFormatTest, Bf16Spellings) {
  std::vector<uint8_t> data = pattern(6);
  struct Case {
    const char *descr;
    NpyDtype dtype;
  };
  const Case cases[] = {{"<V2", NpyDtype::BF16},
                        {"|V2", NpyDtype::BF16},
                        {"bfloat16", NpyDtype::BF16},
                        {"<i2", NpyDtype::I16},
                        {"<u2", NpyDtype::U16}};
  for (const Case &c : cases) {
    auto bytes = npyImage(1,
                       std::string("{'descr': '") + c.descr +
                           "', 'fortran_order': False, 'shape': (3,), }",
                       data);
    NpyArray array;
    Status status = parseNpy(bytes.data(), bytes.size(), array);
    ASSERT_TRUE(status.ok()) << c.descr << ": " << status.message;
    EXPECT_EQ(array.dtype, c.dtype) << c.descr;
    EXPECT_TRUE(checkNpy(array, "x.npy", ElementType::BF16, {3}).ok())
        << c.descr;
  }
}

TEST(NpyFormatTest, FortranOrderOfAVector) {
  // The same bytes in either order: accepted.
  std::vector<uint8_t> data = pattern(12);
  auto bytes = npyImage(
      1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 1), }", data);
  NpyArray array;
  Status status = parseNpy(bytes.data(), bytes.size(), array);
  ASSERT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(array.data, data);
}

/// The fuzzer's seed corpus was written by numpy 2.4 (np.save and
/// numpy.lib.format.write_array): the reader must take every file as numpy
/// meant it.
TEST(NpyFormatTest, ReadsFilesWrittenByNumpy) {
  const std::string dir = PQ_NPY_CORPUS_DIR;
  struct Case {
    const char *file;
    NpyDtype dtype;
    std::vector<int64_t> shape;
    std::vector<double> values; // first elements, converted by value
  };
  const Case cases[] = {
      {"f32_2x3.npy", NpyDtype::F32, {2, 3}, {0, 0.5, 1, 1.5, 2, 2.5}},
      {"f16_5.npy", NpyDtype::F16, {5}, {-1, -0.5, 0, 0.5, 1}},
      {"i64_scalar.npy", NpyDtype::I64, {}, {-42}},
      {"u8_4x4.npy", NpyDtype::U8, {4, 4}, {0, 1, 2, 3}},
      {"i32_0x3.npy", NpyDtype::I32, {0, 3}, {}},
      {"i8_3.npy", NpyDtype::I8, {3}, {-1, 0, 1}},
      {"i16_bf16bits_2x2.npy", NpyDtype::I16, {2, 2}, {1, 2, -1, 0}},
      {"f32_v2.npy", NpyDtype::F32, {6}, {0, 1, 2, 3, 4, 5}},
      {"f32_v3.npy", NpyDtype::F32, {6}, {0, 1, 2, 3, 4, 5}},
      {"v2_bf16.npy", NpyDtype::BF16, {2}, {1, 3}},
  };
  for (const Case &c : cases) {
    NpyArray array;
    Status status = readNpy(dir + "/" + c.file, array);
    ASSERT_TRUE(status.ok()) << status.message;
    EXPECT_EQ(array.dtype, c.dtype) << c.file;
    EXPECT_EQ(array.shape, c.shape) << c.file;
    for (size_t i = 0; i < c.values.size(); ++i) {
      double got = 0;
      const uint8_t *p = array.data.data();
      switch (array.dtype) {
      case NpyDtype::F32:
        got = reinterpret_cast<const float *>(p)[i];
        break;
      case NpyDtype::F16:
        got = f16ToFloat(reinterpret_cast<const uint16_t *>(p)[i]);
        break;
      case NpyDtype::BF16:
      case NpyDtype::I16: // raw bf16 bits
        got = bf16ToFloat(reinterpret_cast<const uint16_t *>(p)[i]);
        break;
      case NpyDtype::I64:
        got = double(reinterpret_cast<const int64_t *>(p)[i]);
        break;
      case NpyDtype::U8:
        got = p[i];
        break;
      case NpyDtype::I8:
        got = reinterpret_cast<const int8_t *>(p)[i];
        break;
      default:
        FAIL() << "unexpected dtype in " << c.file;
      }
      EXPECT_EQ(got, c.values[i]) << c.file << " element " << i;
    }
  }
  NpyArray array;
  Status status = readNpy(dir + "/f32_fortran_2x3.npy", array);
  EXPECT_NE(status.message.find("fortran_order is True"), std::string::npos)
      << status.message;
}

TEST(NpyFormatTest, ElementTypesMapToDtypes) {
  EXPECT_EQ(npyDtypeOf(ElementType::F32), NpyDtype::F32);
  EXPECT_EQ(npyDtypeOf(ElementType::F16), NpyDtype::F16);
  EXPECT_EQ(npyDtypeOf(ElementType::BF16), NpyDtype::BF16);
  EXPECT_EQ(npyDtypeOf(ElementType::I32), NpyDtype::I32);
  EXPECT_EQ(npyDtypeOf(ElementType::I64), NpyDtype::I64);
  EXPECT_EQ(npyDtypeOf(ElementType::U8), NpyDtype::U8);
  EXPECT_TRUE(npyAccepts(ElementType::BF16, NpyDtype::I16));
  EXPECT_TRUE(npyAccepts(ElementType::BF16, NpyDtype::U16));
  EXPECT_FALSE(npyAccepts(ElementType::F16, NpyDtype::I16));
  EXPECT_FALSE(npyAccepts(ElementType::BF16, NpyDtype::F16));
  EXPECT_FALSE(npyAccepts(ElementType::I64, NpyDtype::I32));
  EXPECT_EQ(npyShapeString({}), "()");
  EXPECT_EQ(npyShapeString({4}), "(4,)");
  EXPECT_EQ(npyShapeString({1, 32, 1, 128}), "(1, 32, 1, 128)");
}

} // namespace
} // namespace pqrt
