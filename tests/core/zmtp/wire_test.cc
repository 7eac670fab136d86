#include "core/zmtp/wire.h"

#include <gtest/gtest.h>

#include "tests/core/zmtp/zmtp_peer.h"

namespace fedgate::zmtp {
namespace {

using testing::Bytes;
using testing::to_bytes;

TEST(ZmtpWire, GreetingIsRfc23NullClientGreeting) {
  Bytes expected(64, 0);
  expected[0] = 0xFF;
  expected[9] = 0x7F;
  expected[10] = 0x03;  // version 3.0
  expected[12] = 'N';
  expected[13] = 'U';
  expected[14] = 'L';
  expected[15] = 'L';
  EXPECT_EQ(Bytes(wire::kGreeting, wire::kGreeting + 64), expected);
}

TEST(ZmtpWire, FrameHeaderIsShortUpTo255BytesThenLong) {
  uint8_t h[wire::kMaxFrameHeader];
  ASSERT_EQ(wire::encode_frame_header(0, 0, h), 2u);
  EXPECT_EQ(Bytes(h, h + 2), (Bytes{0x00, 0x00}));
  ASSERT_EQ(wire::encode_frame_header(wire::kFlagCommand, 255, h), 2u);
  EXPECT_EQ(Bytes(h, h + 2), (Bytes{0x04, 0xFF}));
  ASSERT_EQ(wire::encode_frame_header(wire::kFlagMore, 256, h), 9u);
  EXPECT_EQ(Bytes(h, h + 9), (Bytes{0x03, 0, 0, 0, 0, 0, 0, 0x01, 0x00}));
  ASSERT_EQ(wire::encode_frame_header(0, 0x0102030405ull, h), 9u);
  EXPECT_EQ(Bytes(h, h + 9), (Bytes{0x02, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05}));
}

TEST(ZmtpWire, ReadyBodySizeMatchesTheDocumentedFrame) {
  // docs/protocol.md 1.1: READY for DEALER / "stm32-1" has a 48-byte body.
  EXPECT_EQ(wire::ready_body_size(6, 7), 48u);
}

TEST(ZmtpWire, BigEndianLoadsAndStores) {
  const uint8_t b[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  EXPECT_EQ(wire::load_be32(b), 0x01020304u);
  EXPECT_EQ(wire::load_be64(b), 0x0102030405060708ull);
  uint8_t out[4];
  wire::store_be32(0xA1B2C3D4u, out);
  EXPECT_EQ(Bytes(out, out + 4), (Bytes{0xA1, 0xB2, 0xC3, 0xD4}));
}

TEST(ZmtpWire, FindPropertyIgnoresNameCaseAndChecksStructure) {
  const Bytes props = testing::properties(
      {{"Socket-Type", to_bytes("ROUTER")}, {"Identity", {}}, {"X-Extra", to_bytes("v")}});
  Span<const uint8_t> value;
  bool found = false;
  ASSERT_TRUE(wire::find_property(Span<const uint8_t>(props.data(), props.size()), "socket-type",
                                  &value, &found));
  ASSERT_TRUE(found);
  EXPECT_EQ(Bytes(value.begin(), value.end()), to_bytes("ROUTER"));
  ASSERT_TRUE(wire::find_property(Span<const uint8_t>(props.data(), props.size()), "Identity",
                                  &value, &found));
  EXPECT_TRUE(found);
  EXPECT_EQ(value.size(), 0u);
  ASSERT_TRUE(wire::find_property(Span<const uint8_t>(props.data(), props.size()), "Resource",
                                  &value, &found));
  EXPECT_FALSE(found);
  // Every truncation of the list breaks it, except at property boundaries.
  const size_t boundaries[] = {0, 22, 35, props.size()};
  for (size_t n = 0; n <= props.size(); ++n) {
    const bool at_boundary =
        std::find(std::begin(boundaries), std::end(boundaries), n) != std::end(boundaries);
    EXPECT_EQ(
        wire::find_property(Span<const uint8_t>(props.data(), n), "Socket-Type", &value, &found),
        at_boundary)
        << n;
  }
  // A value length far beyond the buffer, and a zero-length name, are refused.
  Bytes bad = testing::properties({{"Socket-Type", to_bytes("ROUTER")}});
  bad[12] = 0x7F;
  EXPECT_FALSE(wire::find_property(Span<const uint8_t>(bad.data(), bad.size()), "Socket-Type",
                                   &value, &found));
  const Bytes empty_name = {0x00, 0, 0, 0, 0};
  EXPECT_FALSE(wire::find_property(Span<const uint8_t>(empty_name.data(), empty_name.size()), "x",
                                   &value, &found));
}

}  // namespace
}  // namespace fedgate::zmtp
