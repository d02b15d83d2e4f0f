//===- NpyImage.h - Hand-built .npy images for the reader tests -*- C++ -*-===//

#ifndef PQ_TEST_UNIT_SUPPORT_NPYIMAGE_H
#define PQ_TEST_UNIT_SUPPORT_NPYIMAGE_H

#include <cstdint>
#include <string>
#include <vector>

namespace pqrt::test {

/// A .npy image: magic, format `major`.`minor`, the header length (2 bytes
/// in format 1, 4 after), `header` as given (the caller pads or not), data.
inline std::vector<uint8_t> npyImage(int major, const std::string &header,
                                     const std::vector<uint8_t> &data,
                                     int minor = 0) {
  std::vector<uint8_t> bytes = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major),
                                uint8_t(minor)};
  size_t length = header.size();
  bytes.push_back(uint8_t(length));
  bytes.push_back(uint8_t(length >> 8));
  if (major > 1) {
    bytes.push_back(uint8_t(length >> 16));
    bytes.push_back(uint8_t(length >> 24));
  }
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

} // namespace pqrt::test

#endif // PQ_TEST_UNIT_SUPPORT_NPYIMAGE_H
