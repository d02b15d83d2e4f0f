//===- NpyErrorTest.cpp - .npy reader errors ------------------------------===//
//
// Truncated and corrupt files, refused dtypes and layouts, wrong dtype or
// shape for a step buffer: each gives a Status whose message says what is
// wrong. A mutation sweep stands in for the libFuzzer target in plain CI.
//
//===----------------------------------------------------------------------===//

#include "NpyImage.h"
#include "pqhost/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

namespace pqrt {
namespace {

using test::npyImage;

std::string header(const std::string &descr, const std::string &shape,
                   const std::string &fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran +
         ", 'shape': " + shape + ", }";
}

/// The error message for `bytes`, or "" when it parses.
std::string parseError(const std::vector<uint8_t> &bytes) {
  NpyArray array;
  array.descr = "untouched";
  Status status = parseNpy(bytes.data(), bytes.size(), array);
  if (status.ok()) {
    return "";
  }
  EXPECT_EQ(array.descr, "untouched") << "output written on error";
  EXPECT_FALSE(status.message.empty());
  return status.message;
}

#define EXPECT_ERROR(bytes, fragment)                                          \
  do {                                                                         \
    std::string message = parseError(bytes);                                   \
    EXPECT_NE(message.find(fragment), std::string::npos)                       \
        << "message: '" << message << "'";                                     \
  } while (0)

std::vector<uint8_t> valid() {
  std::vector<uint8_t> bytes;
  std::vector<float> data = {1, 2, 3, 4, 5, 6};
  EXPECT_TRUE(encodeNpy(NpyDtype::F32, {2, 3}, data.data(), bytes).ok());
  return bytes;
}

TEST(NpyErrorTest, MagicAndVersion) {
  EXPECT_ERROR(std::vector<uint8_t>{}, "not a .npy file");
  EXPECT_ERROR(std::vector<uint8_t>({'P', 'K', 3, 4, 0, 0, 0, 0}),
               "not a .npy file");
  std::vector<uint8_t> data(24);
  EXPECT_ERROR(npyImage(4, header("<f4", "(6,)"), data), "version 4.0");
  EXPECT_ERROR(npyImage(1, header("<f4", "(6,)"), data, 1), "version 1.1");
  EXPECT_ERROR(npyImage(0, header("<f4", "(6,)"), data), "version 0.0");
}

TEST(NpyErrorTest, EveryTruncationIsAnError) {
  std::vector<uint8_t> bytes = valid();
  for (size_t size = 0; size < bytes.size(); ++size) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + size);
    EXPECT_NE(parseError(cut), "") << "size " << size;
  }
  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 1);
  EXPECT_ERROR(cut, "truncated .npy file: shape (2, 3) of f32 needs 24");
  cut.assign(bytes.begin(), bytes.begin() + 40);
  EXPECT_ERROR(cut, "truncated .npy file: header of 118 bytes");
  cut.assign(bytes.begin(), bytes.begin() + 9);
  EXPECT_ERROR(cut, "no header length");
}

TEST(NpyErrorTest, TrailingBytes) {
  std::vector<uint8_t> bytes = valid();
  bytes.push_back(0);
  EXPECT_ERROR(bytes, "needs 24 data bytes, found 25");
}

TEST(NpyErrorTest, HugeHeaderLength) {
  std::vector<uint8_t> bytes = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0,
                                0xff, 0xff, 0xff, 0x7f, '{'};
  EXPECT_ERROR(bytes, "exceeds the limit");
}

TEST(NpyErrorTest, MalformedDictionaries) {
  std::vector<uint8_t> d(24);
  EXPECT_ERROR(npyImage(1, "", d), "expected '{'");
  EXPECT_ERROR(npyImage(1, "[1, 2]", d), "expected '{'");
  EXPECT_ERROR(npyImage(1, "{'descr': '<f4', 'shape': (6,)}", d),
               "missing key 'fortran_order'");
  EXPECT_ERROR(npyImage(1, "{'fortran_order': False, 'shape': (6,)}", d),
               "missing key 'descr'");
  EXPECT_ERROR(npyImage(1, "{'descr': '<f4', 'fortran_order': False}", d),
               "missing key 'shape'");
  EXPECT_ERROR(npyImage(1, header("<f4", "(6,)") + "x", d),
               "unexpected text after");
  EXPECT_ERROR(npyImage(1,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': "
                     "(6,), 'extra': 1}",
                     d),
               "unexpected key 'extra'");
  EXPECT_ERROR(npyImage(1,
                     "{'descr': '<f4', 'descr': '<f4', 'fortran_order': "
                     "False, 'shape': (6,)}",
                     d),
               "'descr' appears twice");
  EXPECT_ERROR(npyImage(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)",
                     d),
               "expected ',' or '}'");
  EXPECT_ERROR(npyImage(1, "{'descr: '<f4'}", d), "expected ':'");
  EXPECT_ERROR(npyImage(1, "{'descr", d), "unterminated string");
  EXPECT_ERROR(npyImage(1, "{descr: 1}", d), "quoted string");
  EXPECT_ERROR(npyImage(1, header("<f4", "(6,)", "maybe"), d),
               "must be True or False");
  EXPECT_ERROR(npyImage(1, header("<f4", "6"), d), "tuple of integers");
  EXPECT_ERROR(npyImage(1, header("<f4", "(-6,)"), d), "non-negative");
  EXPECT_ERROR(npyImage(1, header("<f4", "(6,,)"), d), "non-negative");
  EXPECT_ERROR(npyImage(1, header("<f4", "(6 2)"), d), "expected ',' or ')'");
  EXPECT_ERROR(npyImage(1, header("<f4", "(99999999999999999999,)"), d),
               "does not fit in 64 bits");
  EXPECT_ERROR(npyImage(1, header("<f4", "(4294967296, 4294967296)"), d),
               "too large");
  std::string many = "(";
  for (int i = 0; i < 65; ++i) {
    many += "1, ";
  }
  EXPECT_ERROR(npyImage(1, header("<f4", many + ")"), d),
               "more than 64 dimensions");
}

TEST(NpyErrorTest, RefusedDtypesAndLayouts) {
  std::vector<uint8_t> d(24);
  EXPECT_ERROR(npyImage(1, header(">f4", "(6,)"), d), "big-endian");
  EXPECT_ERROR(npyImage(1, header("|f4", "(6,)"), d), "no byte order");
  EXPECT_ERROR(npyImage(1, header("<f8", "(3,)"), d), "unsupported descr '<f8'");
  EXPECT_ERROR(npyImage(1, header("|b1", "(24,)"), d), "unsupported descr");
  EXPECT_ERROR(npyImage(1, header("|O", "(3,)"), d), "unsupported descr");
  EXPECT_ERROR(npyImage(1, header("<U3", "(2,)"), d), "unsupported descr");
  EXPECT_ERROR(npyImage(1,
                     "{'descr': [('a', '<f4')], 'fortran_order': False, "
                     "'shape': (6,)}",
                     d),
               "structured dtypes");
  EXPECT_ERROR(npyImage(1, header("<f4", "(2, 3)", "True"), d),
               "fortran_order is True");
}

TEST(NpyErrorTest, WrongDtypeOrShapeForABuffer) {
  std::vector<uint8_t> bytes = valid();
  NpyArray array;
  ASSERT_TRUE(parseNpy(bytes.data(), bytes.size(), array).ok());
  EXPECT_TRUE(checkNpy(array, "q.npy", ElementType::F32, {2, 3}).ok());
  Status status = checkNpy(array, "q.npy", ElementType::BF16, {2, 3});
  EXPECT_EQ(status.message, "q.npy: dtype f32 ('<f4'), expected bf16");
  status = checkNpy(array, "q.npy", ElementType::F32, {2, 1, 3}, "[b, h, d]");
  EXPECT_EQ(status.message,
            "q.npy: shape (2, 3), expected (2, 1, 3) [b, h, d]");
}

TEST(NpyErrorTest, Files) {
  NpyArray array;
  std::string dir = ::testing::TempDir();
  Status status = readNpy(dir + "/pq_no_such_file.npy", array);
  EXPECT_NE(status.message.find("no such file"), std::string::npos);
  status = readNpy(dir, array);
  EXPECT_NE(status.message.find("not a regular file"), std::string::npos);

  std::string path = dir + "/pq_npy_garbage.npy";
  {
    std::ofstream out(path, std::ios::binary);
    out << "hello, this is not numpy";
  }
  status = readNpy(path, array);
  EXPECT_EQ(status.message, path + ": not a .npy file (no \\x93NUMPY magic)");

  // A valid header whose data was cut off.
  std::vector<uint8_t> bytes = valid();
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(bytes.data()),
              std::streamsize(bytes.size() - 4));
  }
  status = readNpy(path, array);
  EXPECT_NE(status.message.find("truncated .npy file"), std::string::npos)
      << status.message;
  std::remove(path.c_str());

  status = writeNpy(dir + "/pq_no_such_dir/x.npy", NpyDtype::F32, {1},
                    bytes.data());
  EXPECT_NE(status.message.find("cannot create"), std::string::npos);
  status = encodeNpy(NpyDtype::F32, {-1}, nullptr, bytes);
  EXPECT_NE(status.message.find("not a valid array shape"), std::string::npos);
}

/// Random byte flips, insertions and cuts of valid images: never a crash,
/// and whatever parses is self-consistent. libFuzzer does this better
/// (scripts/fuzz.sh); this keeps a cheap version in every ctest run.
TEST(NpyErrorTest, MutationSweep) {
  std::vector<std::vector<uint8_t>> seeds = {valid()};
  seeds.push_back(npyImage(2, header("bfloat16", "(2, 2)"), std::vector<uint8_t>(8)));
  seeds.push_back(npyImage(3, header("|u1", "()"), std::vector<uint8_t>(1)));
  std::mt19937_64 rng(7);
  const char alphabet[] = "{}()[],:' \"0123456789-LTrueFalse<>|=fiuV\n\x93";
  int parsed = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> bytes = seeds[rng() % seeds.size()];
    int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits && !bytes.empty(); ++e) {
      size_t at = rng() % bytes.size();
      switch (rng() % 4) {
      case 0:
        bytes[at] = uint8_t(rng());
        break;
      case 1:
        bytes[at] = uint8_t(alphabet[rng() % (sizeof(alphabet) - 1)]);
        break;
      case 2:
        bytes.insert(bytes.begin() + at,
                     uint8_t(alphabet[rng() % (sizeof(alphabet) - 1)]));
        break;
      default:
        bytes.resize(at);
        break;
      }
    }
    NpyArray array;
    if (parseNpy(bytes.data(), bytes.size(), array).ok()) {
      ++parsed;
      ASSERT_EQ(int64_t(array.data.size()),
                array.elements() * npyDtypeSize(array.dtype));
    }
  }
  EXPECT_GT(parsed, 0); // some mutations leave the file valid
}

} // namespace
} // namespace pqrt
