#include "sim/link.h"

#include <gtest/gtest.h>

namespace fedgate::sim {
namespace {

TEST(Link, ArrivalIsTransmitTimePlusLatency) {
  Link link(/*latency_ms=*/10, /*mbit_s=*/8);  // 8 Mbit/s = one byte per microsecond
  EXPECT_EQ(link.transmit(0, 1000), 1000 + 10000);
}

TEST(Link, MessagesQueueBehindEachOther) {
  Link link(10, 8);
  EXPECT_EQ(link.transmit(0, 1000), 11000);
  // Handed over at 200 us, but the link is busy until 1000 us.
  EXPECT_EQ(link.transmit(200, 500), 1000 + 500 + 10000);
  // Handed over after the link went idle: starts at once.
  EXPECT_EQ(link.transmit(5000, 100), 5000 + 100 + 10000);
}

TEST(Link, UnlimitedBandwidthCostsOnlyLatency) {
  Link link(2.5, 0);
  EXPECT_EQ(link.transmit(100, 1 << 20), 100 + 2500);
  EXPECT_EQ(link.transmit(100, 1 << 20), 100 + 2500);
}

TEST(Link, MoreBytesArriveLater) {
  Link small(0, 1), large(0, 1);  // 1 Mbit/s: 8 us per byte
  EXPECT_EQ(small.transmit(0, 64), 512);
  EXPECT_EQ(large.transmit(0, 31400), 251200);
}

}  // namespace
}  // namespace fedgate::sim
