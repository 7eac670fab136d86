#include "core/base/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <vector>

namespace fedgate {
namespace {

TEST(Crc32, KnownCheckValue) {
  const char* text = "123456789";
  EXPECT_EQ(crc32(text, std::strlen(text)), 0xCBF43926u);
}

TEST(Crc32, MatchesZlibOnFloats) {
  std::vector<float> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.001f * static_cast<float>(i) - 0.3f;
  const size_t bytes = values.size() * sizeof(float);
  EXPECT_EQ(crc32(values.data(), bytes),
            ::crc32(0, reinterpret_cast<const Bytef*>(values.data()), static_cast<uInt>(bytes)));
}

TEST(Crc32, IncrementalEqualsWhole) {
  const char* text = "fedgate model chunk";
  const size_t n = std::strlen(text);
  EXPECT_EQ(crc32_update(crc32(text, 5), text + 5, n - 5), crc32(text, n));
}

// The firmware's bit-by-bit form and the gateway's sliced form must agree on
// every length and alignment (the sliced loop has a tail and reads unaligned words).
TEST(Crc32, SlicedAgreesWithBitwiseAtEveryLengthAndOffset) {
  std::vector<uint8_t> bytes(80);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 11);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t size = 0; offset + size <= bytes.size(); ++size) {
      const uint8_t* data = bytes.data() + offset;
      EXPECT_EQ(crc32_detail::update_sliced(0xFFFFFFFFu, data, size),
                crc32_detail::update_bitwise(0xFFFFFFFFu, data, size))
          << "offset " << offset << " size " << size;
    }
  }
}

}  // namespace
}  // namespace fedgate
