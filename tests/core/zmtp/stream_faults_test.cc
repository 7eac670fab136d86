// The client over a stream double that splits, drops, corrupts and truncates bytes, injects
// fresh greetings and garbage, and sends frames larger than the receive buffer. In every case
// the client stays inside its buffer (guard bytes, and ASan under the asan preset), counts what
// happened, resynchronises, and delivers the good messages that follow.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/zmtp/client.h"
#include "tests/core/zmtp/zmtp_test_util.h"

namespace fedgate::zmtp {
namespace {

using testing::Bytes;
using testing::concat;
using testing::Harness;
using testing::message;
using testing::pattern;
using testing::to_bytes;
using Kind = testing::Event::Kind;

// Feeds `bytes` in random pieces of 1 to max_piece bytes.
void feed_random_splits(Harness& h, const Bytes& bytes, std::mt19937& rng, size_t max_piece,
                        uint32_t now_ms = 0) {
  std::uniform_int_distribution<size_t> piece(1, max_piece);
  for (size_t i = 0; i < bytes.size();) {
    const size_t n = std::min(piece(rng), bytes.size() - i);
    h.client.on_bytes(Span<const uint8_t>(bytes.data() + i, n), now_ms);
    i += n;
  }
}

// A peer's side of a session: handshake, then messages of every size class up to the buffer,
// with commands in between.
struct Script {
  Bytes stream;
  std::vector<Bytes> expected;
};

Script session_script(size_t rx_size) {
  Script s;
  s.stream = testing::router_handshake();
  const size_t sizes[] = {0, 1, 10, 254, 255, 256, 257, 1000, rx_size - 1, rx_size};
  uint8_t seed = 0;
  for (int round = 0; round < 3; ++round) {
    for (size_t size : sizes) {
      const Bytes payload = pattern(size, seed++);
      s.stream = concat({s.stream, message(payload)});
      s.expected.push_back(payload);
    }
    s.stream = concat({s.stream, testing::ping(10, to_bytes("p")), message(to_bytes("multi"), true),
                       message(to_bytes("part"))});
  }
  return s;
}

TEST(ZmtpStreamFaults, AnySplitDeliversTheSameMessages) {
  const Script script = session_script(1024);
  {
    Harness h(1024);
    ASSERT_TRUE(h.client.start(0).is_ok());
    h.feed_chunked(script.stream, 1);  // one byte at a time
    EXPECT_EQ(h.handler.messages, script.expected);
    EXPECT_EQ(h.client.counters().multipart_dropped, 3u);
    EXPECT_EQ(h.client.counters().pings_answered, 3u);
    EXPECT_TRUE(h.buffer.guards_intact());
  }
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    Harness h(1024);
    ASSERT_TRUE(h.client.start(0).is_ok());
    feed_random_splits(h, script.stream, rng, seed < 25 ? 7 : 700);
    EXPECT_EQ(h.handler.messages, script.expected);
    EXPECT_EQ(h.client.counters().malformed, 0u);
    EXPECT_EQ(h.client.counters().bytes_in, script.stream.size());
    EXPECT_TRUE(h.buffer.guards_intact());
  }
}

TEST(ZmtpStreamFaults, GreetingWithoutItsStart) {
  // A UART enabled late loses the first bytes libzmq sends: all or part of the signature.
  const Bytes greeting = testing::peer_greeting();
  for (size_t lost = 0; lost <= 10; ++lost) {
    SCOPED_TRACE(lost);
    Harness h;
    ASSERT_TRUE(h.client.start(0).is_ok());
    h.feed(concat({Bytes(greeting.begin() + lost, greeting.end()), testing::ready(),
                   message(to_bytes("hello"))}));
    ASSERT_TRUE(h.client.ready());
    EXPECT_EQ(h.client.counters().partial_greetings, lost > 0 ? 1u : 0u);
    EXPECT_EQ(h.client.counters().garbage_bytes, 0u);
    ASSERT_EQ(h.handler.messages.size(), 1u);
    EXPECT_EQ(h.handler.messages[0], to_bytes("hello"));
  }
}

TEST(ZmtpStreamFaults, GarbageBeforeTheGreeting) {
  std::mt19937 rng(7);
  Bytes garbage(1000);
  for (auto& b : garbage) b = static_cast<uint8_t>(rng());
  Harness h;
  ASSERT_TRUE(h.client.start(0).is_ok());
  h.feed_chunked(concat({garbage, testing::router_handshake(), message(to_bytes("ok"))}), 13);
  ASSERT_TRUE(h.client.ready());
  EXPECT_EQ(h.client.counters().garbage_bytes, 1000u);
  ASSERT_EQ(h.handler.messages.size(), 1u);
  EXPECT_EQ(h.handler.messages[0], to_bytes("ok"));
}

TEST(ZmtpStreamFaults, FreshGreetingMidStreamRestartsTheHandshake) {
  // The coordinator restarted, or the TCP connection behind the bridge was re-opened.
  Harness h;
  h.connect();
  h.feed(message(to_bytes("before")));
  ASSERT_TRUE(h.send(to_bytes("offer")).is_ok());
  h.feed_chunked(concat({testing::peer_greeting(), testing::ready(), message(to_bytes("after"))}),
                 3);
  EXPECT_TRUE(h.client.ready());
  EXPECT_EQ(h.handler.resets, 1);
  EXPECT_EQ(h.handler.readies, 2);
  const Counters& c = h.client.counters();
  EXPECT_EQ(c.regreetings, 1u);
  EXPECT_EQ(c.resets, 1u);
  EXPECT_EQ(c.handshakes, 2u);
  EXPECT_EQ(c.malformed, 0u);
  EXPECT_EQ(h.handler.messages, (std::vector<Bytes>{to_bytes("before"), to_bytes("after")}));
  // We answered with a greeting and a READY after the message we had sent.
  h.sink.drain_into(h.decoder);
  const auto& events = h.decoder.events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[2].kind, Kind::kMessage);
  EXPECT_EQ(events[3].kind, Kind::kGreeting);
  EXPECT_EQ(events[4].name, "READY");
}

TEST(ZmtpStreamFaults, FreshGreetingWhileWaitingForReady) {
  Harness h;
  ASSERT_TRUE(h.client.start(0).is_ok());
  h.feed(testing::peer_greeting());
  h.feed(testing::router_handshake());  // the peer restarted before its READY
  EXPECT_TRUE(h.client.ready());
  EXPECT_EQ(h.handler.resets, 0);  // no session had been announced
  EXPECT_EQ(h.client.counters().regreetings, 1u);
  EXPECT_EQ(h.client.counters().greetings_sent, 2u);
}

TEST(ZmtpStreamFaults, GreetingCutShortThenAFreshOne) {
  const Bytes greeting = testing::peer_greeting();
  Harness h;
  ASSERT_TRUE(h.client.start(0).is_ok());
  h.feed(concat({Bytes(greeting.begin(), greeting.begin() + 30), testing::router_handshake(),
                 message(to_bytes("x"))}));
  EXPECT_TRUE(h.client.ready());
  EXPECT_EQ(h.client.counters().greetings_received, 1u);
  EXPECT_EQ(h.handler.messages.size(), 1u);
}

TEST(ZmtpStreamFaults, FramesLargerThanTheBufferAreSkippedNotBuffered) {
  for (size_t chunk : {size_t{1}, size_t{100}, size_t{1} << 20}) {
    SCOPED_TRACE(chunk);
    Harness h(256);
    h.connect();
    const Bytes stream =
        concat({message(pattern(257, 1)), message(pattern(100000, 2)),
                testing::command("READY", Bytes(300, 0)),  // an oversized command, too
                message(pattern(256, 3)), message(to_bytes("next"))});
    h.feed_chunked(stream, chunk);
    EXPECT_EQ(h.client.counters().oversized, 3u);
    EXPECT_EQ(h.client.counters().resyncs, 0u);
    EXPECT_EQ(h.handler.messages, (std::vector<Bytes>{pattern(256, 3), to_bytes("next")}));
    EXPECT_TRUE(h.buffer.guards_intact());
    EXPECT_TRUE(h.client.ready());
  }
}

TEST(ZmtpStreamFaults, CorruptedFlagsResyncThroughAFreshHandshake) {
  Harness h;
  h.connect();
  Bytes bad = message(to_bytes("corrupt me"));
  bad[0] = 0x40;  // a reserved flag bit
  h.feed(concat({message(to_bytes("good")), bad}));
  EXPECT_FALSE(h.client.ready());
  const Counters& c = h.client.counters();
  EXPECT_EQ(c.malformed, 1u);
  EXPECT_EQ(c.resyncs, 1u);
  EXPECT_EQ(h.handler.resets, 1);
  h.sink.drain_into(h.decoder);
  EXPECT_EQ(h.decoder.count(Kind::kGreeting), 2u);  // we greeted to restart the session
  // libzmq drops the connection on our greeting; the bridge reconnects and libzmq greets.
  h.feed(concat({testing::router_handshake(), message(to_bytes("again"))}));
  EXPECT_TRUE(h.client.ready());
  EXPECT_EQ(h.handler.messages, (std::vector<Bytes>{to_bytes("good"), to_bytes("again")}));
}

TEST(ZmtpStreamFaults, MalformedFramesEachResync) {
  struct Case {
    const char* what;
    Bytes bytes;
  };
  Bytes absurd = {0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};  // 2^40 bytes
  Bytes top_bit = {0x02, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  const Case cases[] = {
      {"size beyond max_frame_bytes", absurd},
      {"size with the top bit set", top_bit},
      {"command with MORE", {0x05, 0x06, 0x05, 'R', 'E', 'A', 'D', 'Y'}},
      {"command name longer than its body", {0x04, 0x03, 0x09, 'A', 'B'}},
      {"command with an empty name", {0x04, 0x01, 0x00}},
      {"empty command", {0x04, 0x00}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Harness h;
    h.connect();
    h.feed(c.bytes);
    EXPECT_EQ(h.client.counters().malformed, 1u);
    EXPECT_EQ(h.client.counters().resyncs, 1u);
    EXPECT_FALSE(h.client.ready());
    h.feed(concat({testing::router_handshake(), message(to_bytes("after"))}));
    ASSERT_EQ(h.handler.messages.size(), 1u);
    EXPECT_EQ(h.handler.messages[0], to_bytes("after"));
  }
}

TEST(ZmtpStreamFaults, MessageBeforeReadyIsAProtocolError) {
  Harness h;
  ASSERT_TRUE(h.client.start(0).is_ok());
  h.feed(concat({testing::peer_greeting(), message(to_bytes("early"))}));
  EXPECT_TRUE(h.handler.messages.empty());
  EXPECT_EQ(h.client.counters().malformed, 1u);
  EXPECT_EQ(h.client.counters().resyncs, 1u);
}

TEST(ZmtpStreamFaults, MalformedReadyPropertiesResync) {
  Harness h;
  ASSERT_TRUE(h.client.start(0).is_ok());
  Bytes props = testing::properties({{"Socket-Type", to_bytes("ROUTER")}});
  props.pop_back();  // value shorter than its length says
  h.feed(concat({testing::peer_greeting(), testing::command("READY", props)}));
  EXPECT_FALSE(h.client.ready());
  EXPECT_EQ(h.client.counters().malformed, 1u);
  EXPECT_EQ(h.client.counters().resyncs, 1u);
}

TEST(ZmtpStreamFaults, TruncatedFrameRecoversWhenTheSessionRestarts) {
  // Bytes stop in the middle of a frame (the bridge died). Nothing tells the client; the layer
  // above notices the silence and calls start(), and the next connection's greeting is read.
  for (size_t cut : {size_t{1}, size_t{5}, size_t{200}}) {
    SCOPED_TRACE(cut);
    Harness h;
    h.connect();
    const Bytes frame = message(pattern(500, 9));
    h.feed(Bytes(frame.begin(), frame.begin() + cut));
    EXPECT_TRUE(h.handler.messages.empty());
    ASSERT_TRUE(h.client.start(100).is_ok());
    EXPECT_EQ(h.handler.resets, 1);
    h.feed(concat({testing::router_handshake(), message(to_bytes("fresh"))}), 101);
    ASSERT_EQ(h.handler.messages.size(), 1u);
    EXPECT_EQ(h.handler.messages[0], to_bytes("fresh"));
    EXPECT_TRUE(h.buffer.guards_intact());
  }
}

TEST(ZmtpStreamFaults, DroppedBytesInAFrameHeaderAreCaughtAndResynced) {
  // A lost flags byte makes the size byte the flags: 0x48 has reserved bits set.
  Harness h;
  h.connect();
  Bytes frame = message(pattern(0x48, 1));
  frame.erase(frame.begin());
  h.feed(frame);
  EXPECT_EQ(h.client.counters().malformed, 1u);
  EXPECT_EQ(h.client.counters().resyncs, 1u);
  h.feed(concat({testing::router_handshake(), message(to_bytes("back"))}));
  ASSERT_EQ(h.handler.messages.size(), 1u);
}

// Random faults (drops, flips, inserted garbage, fresh greetings, huge frames) in random splits,
// with time passing. Whatever state that leaves, the client stays in bounds, and a restart plus
// a clean handshake always brings the messages back.
TEST(ZmtpStreamFaults, RandomFaultSoak) {
  const Script script = session_script(512);
  size_t recovered_alone = 0;
  for (uint32_t seed = 0; seed < 300; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    Bytes stream = script.stream;
    const int faults = 1 + static_cast<int>(rng() % 6);
    for (int f = 0; f < faults; ++f) {
      const size_t at = rng() % stream.size();
      switch (rng() % 6) {
        case 0:
          stream.erase(stream.begin() + at,
                       stream.begin() + std::min(stream.size(), at + 1 + rng() % 8));
          break;
        case 1: stream[at] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 2: stream[at] = static_cast<uint8_t>(rng()); break;
        case 3: {
          Bytes junk(1 + rng() % 40);
          for (auto& b : junk) b = static_cast<uint8_t>(rng());
          stream.insert(stream.begin() + at, junk.begin(), junk.end());
          break;
        }
        case 4: {
          const Bytes fresh = testing::router_handshake();
          stream.insert(stream.begin() + at, fresh.begin(), fresh.end());
          break;
        }
        case 5: {
          const Bytes huge = message(pattern(3000 + rng() % 3000, 1));
          stream.insert(stream.begin() + at, huge.begin(), huge.end());
          break;
        }
      }
      if (stream.empty()) stream.push_back(0);
    }
    Harness h(512);
    ASSERT_TRUE(h.client.start(0).is_ok());
    uint32_t now = 0;
    std::uniform_int_distribution<size_t> piece(1, 97);
    for (size_t i = 0; i < stream.size();) {
      const size_t n = std::min(piece(rng), stream.size() - i);
      h.client.on_bytes(Span<const uint8_t>(stream.data() + i, n), now);
      now += static_cast<uint32_t>(rng() % 50);
      h.client.tick(now);
      i += n;
    }
    for (const Bytes& m : h.handler.messages) EXPECT_LE(m.size(), 512u);
    EXPECT_TRUE(h.buffer.guards_intact());
    // Without help: does a fresh handshake get through from whatever state this is?
    h.handler.messages.clear();
    h.feed(concat({testing::router_handshake(), message(to_bytes("probe"))}), now);
    if (h.client.ready() && !h.handler.messages.empty() &&
        h.handler.messages.back() == to_bytes("probe")) {
      ++recovered_alone;
    }
    // With the layer above restarting the session, it always does.
    h.handler.messages.clear();
    ASSERT_TRUE(h.client.start(now).is_ok());
    h.feed_chunked(concat({testing::router_handshake(), message(to_bytes("one")),
                           message(pattern(512, 4)), message(to_bytes("three"))}),
                   1 + seed % 17, now);
    EXPECT_TRUE(h.client.ready());
    EXPECT_EQ(h.handler.messages,
              (std::vector<Bytes>{to_bytes("one"), pattern(512, 4), to_bytes("three")}));
    EXPECT_TRUE(h.buffer.guards_intact());
    h.sink.drain_into(h.decoder);  // and everything we wrote was well-formed ZMTP
  }
  std::printf("[ zmtp soak ] %zu of 300 faulty streams recovered with no restart from above\n",
              recovered_alone);
  EXPECT_GT(recovered_alone, 150u);
}

}  // namespace
}  // namespace fedgate::zmtp
