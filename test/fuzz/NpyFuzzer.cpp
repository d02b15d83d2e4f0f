//===- NpyFuzzer.cpp - libFuzzer target for the .npy reader ---------------===//
//
// Any bytes: parseNpy must return a Status and never crash, read out of
// bounds or allocate more than the input justifies. Whatever parses must
// re-encode and parse back to the same array.
//
//===----------------------------------------------------------------------===//

#include "pqhost/Npy.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pqrt::NpyHeader header;
  const bool headerOk = pqrt::parseNpyHeader(data, size, header).ok();

  pqrt::NpyArray array;
  if (!pqrt::parseNpy(data, size, array).ok()) {
    return 0;
  }
  if (!headerOk ||
      int64_t(array.data.size()) !=
          array.elements() * pqrt::npyDtypeSize(array.dtype)) {
    std::abort();
  }
  std::vector<uint8_t> bytes;
  if (!pqrt::encodeNpy(array.dtype, array.shape, array.data.data(), bytes)
           .ok()) {
    std::abort();
  }
  pqrt::NpyArray again;
  if (!pqrt::parseNpy(bytes.data(), bytes.size(), again).ok() ||
      again.shape != array.shape || again.data != array.data ||
      pqrt::npyDtypeSize(again.dtype) != pqrt::npyDtypeSize(array.dtype)) {
    std::abort();
  }
  return 0;
}
