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

}  // namespace
}  // namespace fedgate
