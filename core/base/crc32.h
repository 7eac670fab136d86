// CRC-32 (IEEE 802.3, reflected, as zlib's crc32) without tables, so the
// firmware carries no 1 KB lookup table. Used to verify Model chunks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fedgate {

inline uint32_t crc32_update(uint32_t crc, const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline uint32_t crc32(const void* data, size_t size) { return crc32_update(0, data, size); }

}  // namespace fedgate
