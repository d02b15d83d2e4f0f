//===- Npy.cpp - NumPy .npy reader and writer -----------------------------===//
//
// The header is a Python dict literal; this parses the small subset numpy
// writes (strings, True/False, tuples of integers) with explicit bounds on
// every read, so arbitrary bytes give an error Status and nothing else.
//
//===----------------------------------------------------------------------===//

#include "pqhost/Npy.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace pqrt {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
/// numpy itself refuses headers above 10000 bytes unless told otherwise; a
/// larger bound still keeps a corrupt length from asking for gigabytes.
constexpr uint64_t kMaxHeaderSize = 1u << 20;
constexpr size_t kMaxDims = 64; // NPY_MAXDIMS

std::string str(int64_t value) { return std::to_string(value); }

/// Multiplies non-negative counts; false on overflow of int64.
bool mulCount(int64_t a, int64_t b, int64_t &out) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) {
    return false;
  }
  out = a * b;
  return true;
}

bool countElements(const std::vector<int64_t> &shape, int64_t itemSize,
                   int64_t &elements, int64_t &bytes) {
  elements = 1;
  for (int64_t dim : shape) {
    if (dim < 0 || !mulCount(elements, dim, elements)) {
      return false;
    }
  }
  return mulCount(elements, itemSize, bytes);
}

/// A cursor over the header text of one file.
class HeaderParser {
public:
  HeaderParser(const char *text, size_t size) : text(text), size(size) {}

  Status parse(std::string &descr, bool &fortran, std::vector<int64_t> &shape) {
    bool haveDescr = false, haveFortran = false, haveShape = false;
    skipSpace();
    if (!consume('{')) {
      return error("expected '{' at the start of the header dictionary");
    }
    while (true) {
      skipSpace();
      if (consume('}')) {
        break;
      }
      std::string key;
      Status status = parseString(key, "a dictionary key");
      if (!status.ok()) {
        return status;
      }
      skipSpace();
      if (!consume(':')) {
        return error("expected ':' after key '" + key + "'");
      }
      skipSpace();
      if (key == "descr") {
        if (haveDescr) {
          return error("key 'descr' appears twice");
        }
        haveDescr = true;
        if (peek() == '[') {
          return error("structured dtypes (a list descr) are not supported");
        }
        status = parseString(descr, "the 'descr' string");
      } else if (key == "fortran_order") {
        if (haveFortran) {
          return error("key 'fortran_order' appears twice");
        }
        haveFortran = true;
        status = parseBool(fortran);
      } else if (key == "shape") {
        if (haveShape) {
          return error("key 'shape' appears twice");
        }
        haveShape = true;
        status = parseShape(shape);
      } else {
        return error("unexpected key '" + key +
                     "' (expected descr, fortran_order and shape)");
      }
      if (!status.ok()) {
        return status;
      }
      skipSpace();
      if (consume(',')) {
        continue;
      }
      skipSpace();
      if (consume('}')) {
        break;
      }
      return error("expected ',' or '}' after the value of '" + key + "'");
    }
    skipSpace();
    if (pos != size) {
      return error("unexpected text after the header dictionary");
    }
    if (!haveDescr || !haveFortran || !haveShape) {
      return error(std::string("missing key '") +
                   (!haveDescr     ? "descr"
                    : !haveFortran ? "fortran_order"
                                   : "shape") +
                   "'");
    }
    return Status::success();
  }

private:
  const char *text;
  size_t size;
  size_t pos = 0;

  static Status error(const std::string &message) {
    return Status::invalid("header: " + message);
  }
  char peek() const { return pos < size ? text[pos] : '\0'; }
  bool consume(char c) {
    if (pos < size && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool consumeWord(const char *word) {
    size_t length = std::strlen(word);
    if (size - pos >= length && std::memcmp(text + pos, word, length) == 0) {
      pos += length;
      return true;
    }
    return false;
  }
  void skipSpace() {
    while (pos < size && (text[pos] == ' ' || text[pos] == '\t' ||
                          text[pos] == '\n' || text[pos] == '\r')) {
      ++pos;
    }
  }

  Status parseString(std::string &out, const char *what) {
    char quote = peek();
    if (quote != '\'' && quote != '"') {
      return error(std::string("expected a quoted string for ") + what);
    }
    ++pos;
    out.clear();
    while (pos < size && text[pos] != quote) {
      if (text[pos] == '\\' || text[pos] == '\n') {
        return error(std::string("unsupported character in ") + what);
      }
      if (out.size() >= 64) {
        return error(std::string(what) + " is too long");
      }
      out.push_back(text[pos++]);
    }
    if (!consume(quote)) {
      return error(std::string("unterminated string in ") + what);
    }
    return Status::success();
  }

  Status parseBool(bool &out) {
    if (consumeWord("True")) {
      out = true;
    } else if (consumeWord("False")) {
      out = false;
    } else {
      return error("'fortran_order' must be True or False");
    }
    return Status::success();
  }

  Status parseShape(std::vector<int64_t> &shape) {
    shape.clear();
    if (!consume('(')) {
      return error("'shape' must be a tuple of integers");
    }
    skipSpace();
    if (consume(')')) {
      return Status::success(); // () : a scalar
    }
    while (true) {
      skipSpace();
      if (peek() < '0' || peek() > '9') {
        return error("'shape' must be a tuple of non-negative integers");
      }
      int64_t dim = 0;
      while (peek() >= '0' && peek() <= '9') {
        int digit = peek() - '0';
        if (dim > (std::numeric_limits<int64_t>::max() - digit) / 10) {
          return error("a 'shape' dimension does not fit in 64 bits");
        }
        dim = dim * 10 + digit;
        ++pos;
      }
      consume('L'); // Python 2 longs, as old numpy versions wrote them
      if (shape.size() == kMaxDims) {
        return error("'shape' has more than " + str(int64_t(kMaxDims)) +
                     " dimensions");
      }
      shape.push_back(dim);
      skipSpace();
      if (consume(')')) {
        return Status::success();
      }
      if (!consume(',')) {
        return error("expected ',' or ')' in 'shape'");
      }
      skipSpace();
      if (consume(')')) {
        return Status::success();
      }
    }
  }
};

/// Maps a descr to a dtype; the message explains a refusal.
Status parseDescr(const std::string &descr, NpyDtype &dtype) {
  std::string body = descr;
  char order = '\0';
  if (!body.empty() && std::strchr("<>=|", body[0])) {
    order = body[0];
    body.erase(0, 1);
  }
  if (body == "bfloat16") {
    dtype = NpyDtype::BF16;
    return Status::success();
  }
  struct Entry {
    const char *code;
    NpyDtype dtype;
  };
  static const Entry entries[] = {
      {"f4", NpyDtype::F32}, {"f2", NpyDtype::F16},  {"V2", NpyDtype::BF16},
      {"i1", NpyDtype::I8},  {"u1", NpyDtype::U8},   {"i2", NpyDtype::I16},
      {"u2", NpyDtype::U16}, {"i4", NpyDtype::I32},  {"i8", NpyDtype::I64},
  };
  for (const Entry &entry : entries) {
    if (body != entry.code) {
      continue;
    }
    int64_t size = npyDtypeSize(entry.dtype);
    if (size > 1 && order == '>') {
      return Status::invalid("header: descr '" + descr +
                             "' is big-endian; only little-endian data is "
                             "supported (use a.astype(a.dtype.newbyteorder"
                             "('<')))");
    }
    if (size > 1 && order == '|' && entry.dtype != NpyDtype::BF16) {
      return Status::invalid("header: descr '" + descr +
                             "' has no byte order for a multi-byte type");
    }
    dtype = entry.dtype;
    return Status::success();
  }
  return Status::invalid(
      "header: unsupported descr '" + descr +
      "'; supported: f4, f2, bf16 (V2, 'bfloat16' or i2/u2 raw bits), i1, "
      "u1, i2, u2, i4, i8, little-endian");
}

std::string errnoText() { return std::strerror(errno); }

/// Where the header of a file starting with `bytes` ends (magic, version,
/// length and dictionary), or 0 when the prefix does not say.
uint64_t npyHeaderEnd(const uint8_t *bytes, size_t size) {
  if (size < 12 || std::memcmp(bytes, kMagic, kMagicSize) != 0 ||
      bytes[6] < 1 || bytes[6] > 3) {
    return 0;
  }
  const size_t lengthBytes = bytes[6] == 1 ? 2 : 4;
  uint64_t length = 0;
  for (size_t i = 0; i < lengthBytes; ++i) {
    length |= uint64_t(bytes[8 + i]) << (8 * i);
  }
  return length > kMaxHeaderSize ? 0 : 8 + lengthBytes + length;
}

} // namespace

namespace {

/// Everything pq knows of each .npy element type, in one table.
struct NpyDtypeInfo {
  NpyDtype dtype;
  const char *name;  // pq's short name
  int64_t size;      // bytes
  const char *descr; // what pq writes (bf16 as raw '<i2' bits)
};
constexpr NpyDtypeInfo kNpyDtypes[] = {
    {NpyDtype::F32, "f32", 4, "<f4"},   {NpyDtype::F16, "f16", 2, "<f2"},
    {NpyDtype::BF16, "bf16", 2, "<i2"}, {NpyDtype::I8, "i8", 1, "|i1"},
    {NpyDtype::U8, "u8", 1, "|u1"},     {NpyDtype::I16, "i16", 2, "<i2"},
    {NpyDtype::U16, "u16", 2, "<u2"},   {NpyDtype::I32, "i32", 4, "<i4"},
    {NpyDtype::I64, "i64", 8, "<i8"},
};

const NpyDtypeInfo *infoOf(NpyDtype dtype) {
  for (const NpyDtypeInfo &info : kNpyDtypes) {
    if (info.dtype == dtype) {
      return &info;
    }
  }
  return nullptr;
}

} // namespace

const char *npyDtypeName(NpyDtype dtype) {
  const NpyDtypeInfo *info = infoOf(dtype);
  return info ? info->name : "unknown";
}

int64_t npyDtypeSize(NpyDtype dtype) {
  const NpyDtypeInfo *info = infoOf(dtype);
  return info ? info->size : 0;
}

const char *npyDescr(NpyDtype dtype) {
  const NpyDtypeInfo *info = infoOf(dtype);
  return info ? info->descr : "";
}

NpyDtype npyDtypeOf(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return NpyDtype::F32;
  case ElementType::F16:
    return NpyDtype::F16;
  case ElementType::BF16:
    return NpyDtype::BF16;
  case ElementType::I32:
    return NpyDtype::I32;
  case ElementType::I64:
    return NpyDtype::I64;
  case ElementType::U8:
    return NpyDtype::U8;
  }
  return NpyDtype::U8;
}

int64_t NpyHeader::elements() const {
  int64_t count = 1, bytes = 0;
  return countElements(shape, 1, count, bytes) ? count : -1;
}

int64_t NpyArray::elements() const {
  int64_t count = 1, bytes = 0;
  return countElements(shape, 1, count, bytes) ? count : -1;
}

std::string npyShapeString(const std::vector<int64_t> &shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i ? ", " : "") + str(shape[i]);
  }
  return out + (shape.size() == 1 ? ",)" : ")");
}

Status parseNpyHeader(const uint8_t *bytes, size_t size, NpyHeader &header) {
  if (!bytes && size) {
    return Status::invalid("npy: null buffer");
  }
  if (size < kMagicSize || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
    return Status::invalid("not a .npy file (no \\x93NUMPY magic)");
  }
  if (size < 8) {
    return Status::invalid("truncated .npy file: no format version");
  }
  NpyHeader result;
  result.major = bytes[6];
  result.minor = bytes[7];
  if (result.minor != 0 || result.major < 1 || result.major > 3) {
    return Status::invalid("unsupported .npy format version " +
                           str(result.major) + "." + str(result.minor) +
                           " (supported: 1.0, 2.0, 3.0)");
  }
  const size_t lengthBytes = result.major == 1 ? 2 : 4;
  if (size < 8 + lengthBytes) {
    return Status::invalid("truncated .npy file: no header length");
  }
  uint64_t headerLength = 0;
  for (size_t i = 0; i < lengthBytes; ++i) {
    headerLength |= uint64_t(bytes[8 + i]) << (8 * i);
  }
  if (headerLength > kMaxHeaderSize) {
    return Status::invalid("header: length " + str(int64_t(headerLength)) +
                           " exceeds the limit of " +
                           str(int64_t(kMaxHeaderSize)) + " bytes");
  }
  const size_t begin = 8 + lengthBytes;
  if (size - begin < headerLength) {
    return Status::invalid("truncated .npy file: header of " +
                           str(int64_t(headerLength)) + " bytes, only " +
                           str(int64_t(size - begin)) + " present");
  }
  bool fortran = false;
  Status status =
      HeaderParser(reinterpret_cast<const char *>(bytes + begin), headerLength)
          .parse(result.descr, fortran, result.shape);
  if (!status.ok()) {
    return status;
  }
  status = parseDescr(result.descr, result.dtype);
  if (!status.ok()) {
    return status;
  }
  int64_t elements = 0, dataBytes = 0;
  if (!countElements(result.shape, npyDtypeSize(result.dtype), elements,
                     dataBytes)) {
    return Status::invalid("header: shape " + npyShapeString(result.shape) +
                           " is too large");
  }
  if (fortran) {
    // Fortran and C order agree when at most one dimension exceeds 1.
    int64_t nonTrivial = 0;
    for (int64_t dim : result.shape) {
      nonTrivial += dim > 1;
    }
    if (nonTrivial > 1) {
      return Status::invalid(
          "header: fortran_order is True; only C-order arrays are supported "
          "(save np.ascontiguousarray(a))");
    }
  }
  result.dataOffset = begin + headerLength;
  header = std::move(result);
  return Status::success();
}

namespace {

/// The data after a parsed header must be exactly the shape's bytes
/// (`present` are there); `result` gets the header's dtype and shape.
Status checkData(const NpyHeader &header, uint64_t present,
                 int64_t &dataBytes, NpyArray &result) {
  int64_t elements = 0;
  countElements(header.shape, npyDtypeSize(header.dtype), elements, dataBytes);
  if (present != uint64_t(dataBytes)) {
    return Status::invalid(
        std::string(present < uint64_t(dataBytes) ? "truncated .npy file"
                                                  : "malformed .npy file") +
        ": shape " + npyShapeString(header.shape) + " of " +
        npyDtypeName(header.dtype) + " needs " + str(dataBytes) +
        " data bytes, found " + str(int64_t(present)));
  }
  result.dtype = header.dtype;
  result.descr = header.descr;
  result.shape = header.shape;
  return Status::success();
}

} // namespace

Status parseNpy(const uint8_t *bytes, size_t size, NpyArray &array) {
  NpyHeader header;
  Status status = parseNpyHeader(bytes, size, header);
  if (!status.ok()) {
    return status;
  }
  int64_t dataBytes = 0;
  NpyArray result;
  status = checkData(header, size - header.dataOffset, dataBytes, result);
  if (!status.ok()) {
    return status;
  }
  result.data.assign(bytes + header.dataOffset, bytes + size);
  array = std::move(result);
  return Status::success();
}

Status readNpy(const std::string &path, NpyArray &array) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::invalid(path + ": " +
                           (std::filesystem::exists(path, ec)
                                ? "not a regular file"
                                : "no such file"));
  }
  const uintmax_t fileSize = std::filesystem::file_size(path, ec);
  if (ec) {
    return Status::invalid(path + ": " + ec.message());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::invalid(path + ": cannot open: " + errnoText());
  }
  // Read the fixed prefix, then the header it announces, then the data: the
  // header is checked before anything is allocated for the data.
  std::vector<uint8_t> head(size_t(std::min<uintmax_t>(fileSize, 12)));
  in.read(reinterpret_cast<char *>(head.data()), std::streamsize(head.size()));
  if (!in) {
    return Status::invalid(path + ": read error: " + errnoText());
  }
  const uint64_t headerEnd = npyHeaderEnd(head.data(), head.size());
  if (headerEnd > head.size() && headerEnd <= fileSize) {
    head.resize(size_t(headerEnd));
    in.read(reinterpret_cast<char *>(head.data() + 12),
            std::streamsize(headerEnd - 12));
    if (!in) {
      return Status::invalid(path + ": read error: " + errnoText());
    }
  }
  NpyHeader header;
  Status status = parseNpyHeader(head.data(), head.size(), header);
  if (!status.ok()) {
    return Status::invalid(path + ": " + status.message);
  }
  int64_t dataBytes = 0;
  NpyArray result;
  status = checkData(header, uint64_t(fileSize - header.dataOffset), dataBytes,
                     result);
  if (!status.ok()) {
    return Status::invalid(path + ": " + status.message);
  }
  result.data.resize(size_t(dataBytes));
  in.seekg(std::streamoff(header.dataOffset));
  in.read(reinterpret_cast<char *>(result.data.data()),
          std::streamsize(dataBytes));
  if (!in) {
    return Status::invalid(path + ": read error: " + errnoText());
  }
  array = std::move(result);
  return Status::success();
}

Status encodeNpy(NpyDtype dtype, const std::vector<int64_t> &shape,
                 const void *data, std::vector<uint8_t> &bytes) {
  int64_t elements = 0, dataBytes = 0;
  if (shape.size() > kMaxDims ||
      !countElements(shape, npyDtypeSize(dtype), elements, dataBytes)) {
    return Status::invalid("npy: shape " + npyShapeString(shape) +
                           " is not a valid array shape");
  }
  if (!data && dataBytes > 0) {
    return Status::invalid("npy: data is null");
  }
  std::string dict = std::string("{'descr': '") + npyDescr(dtype) +
                     "', 'fortran_order': False, 'shape': " +
                     npyShapeString(shape) + ", }";
  // numpy pads with spaces and ends with '\n' so that the data starts on a
  // 64-byte boundary; format 2.0 only when 1.0's u16 length cannot hold it.
  auto padded = [&](size_t prefix) {
    size_t total = prefix + dict.size() + 1;
    return dict.size() + 1 + (64 - total % 64) % 64;
  };
  const size_t prefix = padded(10) <= 65535 ? 10 : 12;
  dict.append(padded(prefix) - dict.size() - 1, ' ');
  dict.push_back('\n');
  bytes.clear();
  bytes.reserve(prefix + dict.size() + size_t(dataBytes));
  bytes.insert(bytes.end(), kMagic, kMagic + kMagicSize);
  bytes.push_back(prefix == 10 ? 1 : 2);
  bytes.push_back(0);
  for (size_t i = 0; i < prefix - 8; ++i) {
    bytes.push_back(uint8_t(dict.size() >> (8 * i)));
  }
  bytes.insert(bytes.end(), dict.begin(), dict.end());
  const uint8_t *raw = static_cast<const uint8_t *>(data);
  if (dataBytes > 0) {
    bytes.insert(bytes.end(), raw, raw + dataBytes);
  }
  return Status::success();
}

Status writeNpy(const std::string &path, NpyDtype dtype,
                const std::vector<int64_t> &shape, const void *data) {
  std::vector<uint8_t> bytes;
  Status status = encodeNpy(dtype, shape, data, bytes);
  if (!status.ok()) {
    return Status::invalid(path + ": " + status.message);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return Status::invalid(path + ": cannot create: " + errnoText());
  }
  out.write(reinterpret_cast<const char *>(bytes.data()),
            std::streamsize(bytes.size()));
  out.close();
  if (!out) {
    return Status::invalid(path + ": write error: " + errnoText());
  }
  return Status::success();
}

bool npyAccepts(ElementType want, NpyDtype got) {
  if (want == ElementType::BF16 &&
      (got == NpyDtype::I16 || got == NpyDtype::U16)) {
    return true;
  }
  return npyDtypeOf(want) == got;
}

Status checkNpy(const NpyArray &array, const std::string &name,
                ElementType want, const std::vector<int64_t> &shape,
                const char *shapeMeaning) {
  if (!npyAccepts(want, array.dtype)) {
    return Status::invalid(name + ": dtype " + npyDtypeName(array.dtype) +
                           " ('" + array.descr + "'), expected " +
                           elementTypeName(want));
  }
  if (array.shape != shape) {
    return Status::invalid(name + ": shape " + npyShapeString(array.shape) +
                           ", expected " + npyShapeString(shape) +
                           (shapeMeaning ? std::string(" ") + shapeMeaning
                                         : std::string()));
  }
  return Status::success();
}

} // namespace pqrt
