#include "core/zmtp/greeting_scanner.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/core/zmtp/zmtp_peer.h"

namespace fedgate::zmtp {
namespace {

using Event = GreetingScanner::Event;
using testing::Bytes;

// Feeds bytes; returns the offset (within `bytes`) of each non-kNone event.
std::vector<std::pair<size_t, Event>> feed_all(GreetingScanner& scanner, const Bytes& bytes) {
  std::vector<std::pair<size_t, Event>> events;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const Event e = scanner.feed(bytes[i]);
    if (e != Event::kNone) events.emplace_back(i, e);
  }
  return events;
}

TEST(GreetingScanner, WholeGreetingGivesSignatureAnchorAndGreeting) {
  GreetingScanner scanner;
  const auto events = feed_all(scanner, testing::peer_greeting(1));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], std::make_pair(size_t{9}, Event::kSignature));
  EXPECT_EQ(events[1], std::make_pair(size_t{15}, Event::kAnchor));
  EXPECT_EQ(events[2], std::make_pair(size_t{63}, Event::kGreeting));
  EXPECT_TRUE(scanner.had_full_signature());
  EXPECT_EQ(scanner.minor_version(), 1);
  EXPECT_FALSE(scanner.as_server());
  EXPECT_EQ(scanner.take_garbage(), 0u);
}

TEST(GreetingScanner, AcceptsAGreetingWithoutItsFirstBytes) {
  for (size_t lost = 1; lost <= 10; ++lost) {
    SCOPED_TRACE(lost);
    const Bytes g = testing::peer_greeting(0);
    GreetingScanner scanner;
    const auto events = feed_all(scanner, Bytes(g.begin() + lost, g.end()));
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back(), std::make_pair(63 - lost, Event::kGreeting));
    EXPECT_FALSE(scanner.had_full_signature());
    EXPECT_EQ(scanner.minor_version(), 0);
    EXPECT_EQ(scanner.take_garbage(), 0u);  // what came before the anchor was signature
  }
}

TEST(GreetingScanner, WithoutTheVersionByteThereIsNoGreeting) {
  const Bytes g = testing::peer_greeting();
  GreetingScanner scanner;
  for (const auto& [offset, event] : feed_all(scanner, Bytes(g.begin() + 11, g.end()))) {
    EXPECT_NE(event, Event::kGreeting) << offset;
  }
}

TEST(GreetingScanner, CountsGarbageBeforeTheGreeting) {
  Bytes garbage(37, 0x55);
  GreetingScanner scanner;
  const auto events = feed_all(scanner, testing::concat({garbage, testing::peer_greeting()}));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), std::make_pair(size_t{37 + 63}, Event::kGreeting));
  EXPECT_TRUE(scanner.had_full_signature());
  EXPECT_EQ(scanner.take_garbage(), 37u);
  EXPECT_EQ(scanner.take_garbage(), 0u);
}

TEST(GreetingScanner, RejectsAnotherMechanismAndFindsTheNextGreeting) {
  Bytes plain = testing::peer_greeting();
  std::memcpy(&plain[12], "PLAIN", 5);
  Bytes nullx = testing::peer_greeting();
  nullx[16] = 'X';  // "NULLX": not the NULL mechanism
  GreetingScanner scanner;
  const auto events = feed_all(scanner, testing::concat({plain, nullx, testing::peer_greeting()}));
  size_t greetings = 0, rejected = 0;
  for (const auto& [offset, event] : events) {
    if (event == Event::kGreeting) {
      ++greetings;
      EXPECT_EQ(offset, 64u * 3 - 1);
    }
    if (event == Event::kRejected) ++rejected;
  }
  EXPECT_EQ(greetings, 1u);
  EXPECT_EQ(rejected, 1u);
  EXPECT_EQ(scanner.take_garbage(), 128u);
}

TEST(GreetingScanner, ReadsAsServer) {
  Bytes g = testing::peer_greeting();
  g[32] = 1;
  GreetingScanner scanner;
  feed_all(scanner, g);
  EXPECT_TRUE(scanner.as_server());
}

}  // namespace
}  // namespace fedgate::zmtp
