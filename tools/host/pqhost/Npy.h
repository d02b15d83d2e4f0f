//===- Npy.h - NumPy .npy reader and writer ---------------------*- C++ -*-===//
//
// The host tools' file format for step inputs and outputs: what numpy.save
// writes and numpy.load / torch.from_numpy read. Format versions 1.0, 2.0 and
// 3.0; C order only; little-endian data only.
//
// Accepted `descr` values (a leading '<', '=' or, for one-byte types, '|' is
// accepted; '>' is rejected for multi-byte types):
//   f4 f2 i1 u1 i2 u2 i4 i8   f32 f16 int8 uint8 int16 uint16 int32 int64
//   V2, 'bfloat16'            bf16: ml_dtypes' bfloat16 saves as '<V2'; some
//                             writers put str(dtype) == 'bfloat16'
// numpy has no bf16, so a bf16 buffer is written with descr '<i2' (the raw
// bits): `torch.from_numpy(np.load(p)).view(torch.bfloat16)` restores it on
// every torch version, and `a.view(ml_dtypes.bfloat16)` in numpy. When a
// caller expects bf16, npyAccepts() takes '<i2' and '<u2' as raw bf16 bits;
// np.save(p, t.view(torch.int16).numpy()) is therefore the way to hand a bf16
// tensor to the tools.
//
// fortran_order True is an error unless at most one dimension exceeds 1 (the
// bytes are then the same as in C order). Structured dtypes, object arrays,
// pickles and big-endian data are errors. The reader never trusts the header:
// every length, shape and size is checked against the bytes present, so a
// garbage file gives a Status, never a crash or a huge allocation.
//
//===----------------------------------------------------------------------===//

#ifndef PQHOST_NPY_H
#define PQHOST_NPY_H

#include "pqrt/Config.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pqrt {

enum class NpyDtype { F32, F16, BF16, I8, U8, I16, U16, I32, I64 };

/// "f32", "f16", "bf16", "i8", "u8", "i16", "u16", "i32", "i64".
const char *npyDtypeName(NpyDtype dtype);
/// Bytes per element.
int64_t npyDtypeSize(NpyDtype dtype);
/// The descr the writer emits: "<f4", "<f2", "<i2" (bf16 raw bits), "|i1",
/// "|u1", "<i2", "<u2", "<i4", "<i8".
const char *npyDescr(NpyDtype dtype);
/// The .npy dtype of a step buffer's element type (bf16 stays bf16 here; the
/// writer turns it into raw '<i2' bits).
NpyDtype npyDtypeOf(ElementType type);

/// What the header of a .npy file says.
struct NpyHeader {
  int major = 1, minor = 0;
  std::string descr; // as written, e.g. "<f4"
  NpyDtype dtype = NpyDtype::F32;
  std::vector<int64_t> shape; // () for a scalar
  size_t dataOffset = 0;      // first data byte: magic + length + header
  int64_t elements() const;   // product of shape (1 for a scalar)
};

/// An array in C order; `data` holds elements() * npyDtypeSize(dtype) bytes.
struct NpyArray {
  NpyDtype dtype = NpyDtype::F32;
  std::string descr;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
  int64_t elements() const;
};

/// Parses the magic, version and header dictionary of `bytes` (the first
/// `size` bytes of a file; the data need not be present). The element count
/// is checked for overflow, not against `size`.
Status parseNpyHeader(const uint8_t *bytes, size_t size, NpyHeader &header);

/// Parses a whole .npy image: the data must be exactly elements() * itemsize
/// bytes after the header. On error `array` is left unchanged.
Status parseNpy(const uint8_t *bytes, size_t size, NpyArray &array);

/// Reads a .npy file; errors name the path.
Status readNpy(const std::string &path, NpyArray &array);

/// The .npy image of a C-order array: format 1.0 (2.0 when the header needs
/// more than 65535 bytes), header padded to a multiple of 64 bytes as numpy
/// does. `data` holds product(shape) elements of `dtype`.
Status encodeNpy(NpyDtype dtype, const std::vector<int64_t> &shape,
                 const void *data, std::vector<uint8_t> &bytes);

/// Writes a .npy file; errors name the path.
Status writeNpy(const std::string &path, NpyDtype dtype,
                const std::vector<int64_t> &shape, const void *data);

/// True when an array of `got` may be used as a buffer of `want`: the same
/// type, or raw 16-bit integers (i16, u16) where bf16 is wanted.
bool npyAccepts(ElementType want, NpyDtype got);

/// Checks that `array` can serve as the step buffer `name` of element type
/// `want` and the given shape; the message names the file, the expected and
/// the found dtype and shape, e.g. "query.npy: shape (1, 32, 128), expected
/// (1, 32, 1, 128) [b, h, 1, d]".
Status checkNpy(const NpyArray &array, const std::string &name,
                ElementType want, const std::vector<int64_t> &shape,
                const char *shapeMeaning = nullptr);

/// "(1, 32, 1, 128)": the shape as numpy prints it.
std::string npyShapeString(const std::vector<int64_t> &shape);

} // namespace pqrt

#endif // PQHOST_NPY_H
