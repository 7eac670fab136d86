// CRC-32 (IEEE 802.3, reflected, as zlib's crc32), used to verify Model chunks.
// The firmware (FEDGATE_NO_CRC_TABLE) computes it bit by bit and carries no
// table; everywhere else slicing-by-8 with an 8 KB table built at compile time
// runs about 20x faster, and the coordinator checksums every chunk it sends
// (docs/performance.md, "End to end").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fedgate {

namespace crc32_detail {

constexpr uint32_t kPolynomial = 0xEDB88320u;

inline uint32_t update_bitwise(uint32_t crc, const uint8_t* bytes, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (kPolynomial & (0u - (crc & 1u)));
  }
  return crc;
}

#ifndef FEDGATE_NO_CRC_TABLE
// table[k][b]: the CRC of byte b followed by k zero bytes.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
  std::array<std::array<uint32_t, 256>, 8> tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (kPolynomial & (0u - (crc & 1u)));
    tables[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (size_t k = 1; k < 8; ++k) {
      tables[k][b] = (tables[k - 1][b] >> 8) ^ tables[0][tables[k - 1][b] & 0xFFu];
    }
  }
  return tables;
}

inline constexpr std::array<std::array<uint32_t, 256>, 8> kTables = make_tables();

inline uint32_t update_sliced(uint32_t crc, const uint8_t* bytes, size_t size) {
  const auto& t = kTables;
  while (size >= 8) {
    uint32_t low = 0, high = 0;
    std::memcpy(&low, bytes, 4);  // little-endian hosts: the gateway and ARM Linux
    std::memcpy(&high, bytes + 4, 4);
    low ^= crc;
    crc = t[7][low & 0xFFu] ^ t[6][(low >> 8) & 0xFFu] ^ t[5][(low >> 16) & 0xFFu] ^
          t[4][low >> 24] ^ t[3][high & 0xFFu] ^ t[2][(high >> 8) & 0xFFu] ^
          t[1][(high >> 16) & 0xFFu] ^ t[0][high >> 24];
    bytes += 8;
    size -= 8;
  }
  for (size_t i = 0; i < size; ++i) crc = (crc >> 8) ^ t[0][(crc ^ bytes[i]) & 0xFFu];
  return crc;
}
#endif

}  // namespace crc32_detail

inline uint32_t crc32_update(uint32_t crc, const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
#ifdef FEDGATE_NO_CRC_TABLE
  return ~crc32_detail::update_bitwise(~crc, bytes, size);
#else
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
                "slicing-by-8 reads little-endian words");
  return ~crc32_detail::update_sliced(~crc, bytes, size);
#endif
}

inline uint32_t crc32(const void* data, size_t size) { return crc32_update(0, data, size); }

}  // namespace fedgate
