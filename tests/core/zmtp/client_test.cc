// The client over an in-memory stream: handshake, frames, commands, timers, sending.
#include "core/zmtp/client.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/core/zmtp/zmtp_test_util.h"

namespace fedgate::zmtp {
namespace {

using testing::Bytes;
using testing::Event;
using testing::Harness;
using testing::to_bytes;
using Kind = testing::Event::Kind;

TEST(ZmtpClient, StartSendsTheGreetingAndReadyFollowsThePeerGreeting) {
  Harness h;
  ASSERT_TRUE(h.client.start(0).is_ok());
  ASSERT_EQ(h.sink.out.size(), 64u);
  h.feed(testing::peer_greeting());
  EXPECT_FALSE(h.client.ready());
  // The READY of docs/protocol.md section 1.1, byte for byte.
  const Bytes expected_ready = testing::concat({{0x04, 0x30, 0x05},
                                                to_bytes("READY"),
                                                {0x0B},
                                                to_bytes("Socket-Type"),
                                                {0, 0, 0, 6},
                                                to_bytes("DEALER"),
                                                {0x08},
                                                to_bytes("Identity"),
                                                {0, 0, 0, 7},
                                                to_bytes("stm32-1")});
  ASSERT_EQ(h.sink.out.size(), 64u + 50u);
  EXPECT_EQ(Bytes(h.sink.out.begin() + 64, h.sink.out.end()), expected_ready);
  h.feed(testing::ready());
  EXPECT_TRUE(h.client.ready());
  EXPECT_EQ(h.handler.readies, 1);
  const Counters& c = h.client.counters();
  EXPECT_EQ(c.greetings_sent, 1u);
  EXPECT_EQ(c.greetings_received, 1u);
  EXPECT_EQ(c.partial_greetings, 0u);
  EXPECT_EQ(c.handshakes, 1u);
  EXPECT_EQ(c.bytes_out, 114u);
  EXPECT_EQ(c.bytes_in, 64u + testing::ready().size());
}

TEST(ZmtpClient, DeliversShortAndLongFramesWhole) {
  Harness h(4096);
  h.connect();
  const Bytes small = testing::pattern(10, 1), edge = testing::pattern(255, 2),
              big = testing::pattern(4096, 3);
  h.feed(testing::concat({testing::message(small), testing::message({}), testing::message(edge),
                          testing::message(small, false, true), testing::message(big)}));
  ASSERT_EQ(h.handler.messages.size(), 5u);
  EXPECT_EQ(h.handler.messages[0], small);
  EXPECT_TRUE(h.handler.messages[1].empty());
  EXPECT_EQ(h.handler.messages[2], edge);
  EXPECT_EQ(h.handler.messages[3], small);  // a long frame may carry a short payload
  EXPECT_EQ(h.handler.messages[4], big);    // exactly the buffer's size
  EXPECT_EQ(h.client.counters().messages_in, 5u);
  EXPECT_EQ(h.client.counters().oversized, 0u);
  EXPECT_TRUE(h.buffer.guards_intact());
}

TEST(ZmtpClient, PayloadStartsOnAnAlignedAddress) {
  Harness h;
  h.connect();
  h.handler.on_message_hook = [](Span<const uint8_t> payload) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(payload.data()) % 8, 0u);
  };
  h.feed(testing::message(testing::pattern(20, 0)));
  EXPECT_EQ(h.handler.messages.size(), 1u);
}

TEST(ZmtpClient, SendsShortAndLongMessageFrames) {
  Harness h;
  h.connect();
  const Bytes small = testing::pattern(10, 4), big = testing::pattern(40000, 5);
  ASSERT_TRUE(h.send(small).is_ok());
  ASSERT_TRUE(h.send(big).is_ok());
  ASSERT_TRUE(h.send({}).is_ok());
  h.sink.drain_into(h.decoder);
  const auto messages = h.decoder.of(Kind::kMessage);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].flags, 0x00);
  EXPECT_EQ(messages[0].data, small);
  EXPECT_EQ(messages[1].flags, 0x02);  // long, last
  EXPECT_EQ(messages[1].data, big);
  EXPECT_TRUE(messages[2].data.empty());
  EXPECT_EQ(h.client.counters().messages_out, 3u);
  EXPECT_EQ(h.client.counters().bytes_out, 114u + 12u + 40009u + 2u);
}

TEST(ZmtpClient, StreamsAMessageInParts) {
  Harness h;
  h.connect();
  const Bytes payload = testing::pattern(1000, 6);
  ASSERT_TRUE(h.client.begin_message(payload.size()).is_ok());
  EXPECT_EQ(h.send({1}).code(), StatusCode::kFailedPrecondition);  // one message at a time
  EXPECT_EQ(h.client.begin_message(5).code(), StatusCode::kFailedPrecondition);
  size_t offset = 0;
  for (size_t piece : {1u, 300u, 299u}) {
    ASSERT_TRUE(h.client.write_part(Span<const uint8_t>(payload.data() + offset, piece)).is_ok());
    offset += piece;
  }
  EXPECT_EQ(h.client.pending_part_bytes(), 400u);
  const Status too_much = h.client.write_part(Span<const uint8_t>(payload.data(), 401));
  EXPECT_EQ(too_much.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(too_much.message()).find("400 bytes still owed"), std::string::npos)
      << too_much.message();
  ASSERT_TRUE(h.client.write_part(Span<const uint8_t>(payload.data() + offset, 400)).is_ok());
  EXPECT_EQ(h.client.pending_part_bytes(), 0u);
  EXPECT_EQ(h.client.write_part(Span<const uint8_t>(payload.data(), 1)).code(),
            StatusCode::kFailedPrecondition);
  h.sink.drain_into(h.decoder);
  const auto messages = h.decoder.of(Kind::kMessage);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].data, payload);
  EXPECT_EQ(h.client.counters().messages_out, 1u);
}

TEST(ZmtpClient, AResetAbandonsAStreamedMessage) {
  Harness h;
  h.connect();
  ASSERT_TRUE(h.client.begin_message(100).is_ok());
  h.feed(testing::router_handshake());  // the peer greets again
  const Status s = h.client.write_part(Span<const uint8_t>(testing::pattern(10, 0).data(), 10));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(s.message()).find("abandoned"), std::string::npos) << s.message();
  EXPECT_TRUE(h.client.ready());
  EXPECT_TRUE(h.send({7}).is_ok());
}

TEST(ZmtpClient, RefusesToSendBeforeTheHandshake) {
  Harness h;
  EXPECT_EQ(h.send({1}).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(h.client.start(0).is_ok());
  EXPECT_EQ(h.send({1}).code(), StatusCode::kFailedPrecondition);
  h.feed(testing::peer_greeting());
  EXPECT_EQ(h.client.begin_message(3).code(), StatusCode::kFailedPrecondition);
}

TEST(ZmtpClient, AnswersPingWithPongCarryingTheContext) {
  Harness h;
  h.connect();
  h.feed(testing::ping(100, to_bytes("ctx")));
  h.sink.drain_into(h.decoder);
  auto commands = h.decoder.of(Kind::kCommand);
  ASSERT_EQ(commands.back().name, "PONG");
  EXPECT_EQ(commands.back().data, to_bytes("ctx"));
  EXPECT_EQ(h.client.counters().pings_answered, 1u);
}

TEST(ZmtpClient, PongWaitsForAStreamedMessageToFinish) {
  Harness h;
  h.connect();
  ASSERT_TRUE(h.client.begin_message(4).is_ok());
  ASSERT_TRUE(h.client.write_part(Span<const uint8_t>(to_bytes("ab").data(), 2)).is_ok());
  h.feed(testing::ping(0, to_bytes("x")));
  EXPECT_EQ(h.client.counters().pings_answered, 0u);
  ASSERT_TRUE(h.client.write_part(Span<const uint8_t>(to_bytes("cd").data(), 2)).is_ok());
  EXPECT_EQ(h.client.counters().pings_answered, 1u);
  h.sink.drain_into(h.decoder);
  const auto& events = h.decoder.events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2].kind, Kind::kMessage);
  EXPECT_EQ(events[events.size() - 2].data, to_bytes("abcd"));
  EXPECT_EQ(events.back().name, "PONG");
  EXPECT_EQ(events.back().data, to_bytes("x"));
}

TEST(ZmtpClient, IgnoresUnknownCommandsAndPong) {
  Harness h;
  h.connect();
  h.feed(testing::concat({testing::command("SUBSCRIBE", to_bytes("t")),
                          testing::command("PONG", to_bytes("c")),
                          testing::message(to_bytes("after"))}));
  EXPECT_EQ(h.client.counters().unknown_commands, 1u);
  ASSERT_EQ(h.handler.messages.size(), 1u);
  EXPECT_EQ(h.handler.messages[0], to_bytes("after"));
  EXPECT_TRUE(h.client.ready());
}

TEST(ZmtpClient, DropsMultipartMessagesWholeAndKeepsGoing) {
  Harness h;
  h.connect();
  h.feed(testing::concat({testing::message(to_bytes("part1"), true),
                          testing::ping(0, {}),  // a command between parts is still handled
                          testing::message(testing::pattern(3000, 1), true),  // oversized part
                          testing::message(to_bytes("last part")),
                          testing::message(to_bytes("single"))}));
  ASSERT_EQ(h.handler.messages.size(), 1u);
  EXPECT_EQ(h.handler.messages[0], to_bytes("single"));
  EXPECT_EQ(h.client.counters().multipart_dropped, 1u);
  EXPECT_EQ(h.client.counters().oversized, 0u);
  EXPECT_EQ(h.client.counters().pings_answered, 1u);
}

TEST(ZmtpClient, RejectsAPeerOfTheWrongSocketType) {
  Harness h;
  ASSERT_TRUE(h.client.start(0).is_ok());
  h.feed(testing::concat({testing::peer_greeting(), testing::ready("PUB")}));
  EXPECT_FALSE(h.client.ready());
  EXPECT_EQ(h.client.counters().socket_type_mismatches, 1u);
  EXPECT_EQ(h.client.counters().resyncs, 1u);
  h.sink.drain_into(h.decoder);
  EXPECT_EQ(h.decoder.count(Kind::kGreeting), 2u);  // greeted again
  // A READY without Socket-Type is no better.
  h.feed(testing::concat({testing::peer_greeting(),
                          testing::command("READY", testing::properties({{"Identity", {}}}))}));
  EXPECT_EQ(h.client.counters().socket_type_mismatches, 2u);
  h.feed(testing::router_handshake());
  EXPECT_TRUE(h.client.ready());
}

TEST(ZmtpClient, ErrorCommandResetsAndGreetsAgain) {
  Harness h;
  h.connect();
  h.feed(testing::error_command("Invalid identity"));
  EXPECT_FALSE(h.client.ready());
  EXPECT_EQ(h.handler.resets, 1);
  EXPECT_EQ(h.client.counters().errors_received, 1u);
  h.sink.drain_into(h.decoder);
  EXPECT_EQ(h.decoder.count(Kind::kGreeting), 2u);
  h.feed(testing::router_handshake());
  EXPECT_TRUE(h.client.ready());
  EXPECT_EQ(h.handler.readies, 2);
}

TEST(ZmtpClient, HandshakeTimeoutBacksOffUpToTheCeiling) {
  Options options = testing::test_options();
  options.handshake_timeout_ms = 1000;
  options.max_handshake_timeout_ms = 16000;
  Harness h(1024, options);
  ASSERT_TRUE(h.client.start(0).is_ok());
  // Timeouts after 1, 2, 4, 8, 16, 16 s: at t = 1000, 3000, 7000, 15000, 31000, 47000.
  const uint32_t expected_at[] = {1000, 3000, 7000, 15000, 31000, 47000};
  uint32_t greetings = 1;
  for (uint32_t at : expected_at) {
    h.client.tick(at - 1);
    EXPECT_EQ(h.client.counters().greetings_sent, greetings) << at;
    h.client.tick(at);
    EXPECT_EQ(h.client.counters().greetings_sent, ++greetings) << at;
  }
  EXPECT_EQ(h.client.counters().handshake_timeouts, 6u);
  // A completed handshake resets the backoff: the next session times out after 1 s again.
  h.feed(testing::router_handshake(), 50000);
  ASSERT_TRUE(h.client.ready());
  h.client.tick(60000);  // no timeout while ready
  EXPECT_EQ(h.client.counters().handshake_timeouts, 6u);
  ASSERT_TRUE(h.client.start(60000).is_ok());
  h.client.tick(60999);
  EXPECT_EQ(h.client.counters().handshake_timeouts, 6u);
  h.client.tick(61000);
  EXPECT_EQ(h.client.counters().handshake_timeouts, 7u);
}

TEST(ZmtpClient, TimersSurviveTheMillisecondCounterWrapping) {
  Harness h;
  const uint32_t start = 0xFFFFFF00u;
  ASSERT_TRUE(h.client.start(start).is_ok());
  h.client.tick(start + 999);  // wraps to a small number
  EXPECT_EQ(h.client.counters().handshake_timeouts, 0u);
  h.client.tick(start + 1000);
  EXPECT_EQ(h.client.counters().handshake_timeouts, 1u);
}

TEST(ZmtpClient, GreetsAgainWhenThePeerStopsAfterItsSignature) {
  // libzmq sends its version only once it has our signature: a signature followed by silence
  // means our greeting was lost (sent before the bridge had a TCP connection).
  Harness h;
  ASSERT_TRUE(h.client.start(0).is_ok());
  const Bytes g = testing::peer_greeting();
  h.feed(Bytes(g.begin(), g.begin() + 10), 10);
  h.client.tick(259);
  EXPECT_EQ(h.client.counters().greetings_sent, 1u);
  h.client.tick(260);
  EXPECT_EQ(h.client.counters().greetings_sent, 2u);
  EXPECT_EQ(h.client.counters().greeting_stalls, 1u);
  h.client.tick(2000);  // the stall re-armed the handshake timer at 260: no timeout before 1260
  EXPECT_EQ(h.client.counters().handshake_timeouts, 1u);
  h.feed(testing::concat({Bytes(g.begin(), g.begin() + 10)}), 2001);
  h.feed(testing::concat({Bytes(g.begin() + 10, g.end()), testing::ready()}), 2100);
  EXPECT_TRUE(h.client.ready());
  h.client.tick(5000);
  EXPECT_EQ(h.client.counters().greeting_stalls, 1u);  // the version came: no stall
}

TEST(ZmtpClient, SinkFailureDropsTheSessionAndTheTimerRetries) {
  Harness h;
  h.sink.fail_writes = true;
  const Status s = h.client.start(0);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(h.client.counters().sink_errors, 1u);
  EXPECT_EQ(h.client.counters().greetings_sent, 0u);
  h.sink.fail_writes = false;
  h.client.tick(1000);
  EXPECT_EQ(h.client.counters().greetings_sent, 1u);
  h.feed(testing::router_handshake(), 1001);
  ASSERT_TRUE(h.client.ready());
  h.sink.fail_writes = true;
  EXPECT_EQ(h.send({1, 2, 3}).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(h.client.ready());
  EXPECT_EQ(h.handler.resets, 1);
}

TEST(ZmtpClient, HandlerMayReplyFromOnMessage) {
  Harness h;
  h.connect();
  h.handler.on_message_hook = [&](Span<const uint8_t> payload) {
    EXPECT_TRUE(h.client.send(payload).is_ok());
  };
  h.feed(testing::concat({testing::message(to_bytes("one")), testing::message(to_bytes("two"))}));
  h.sink.drain_into(h.decoder);
  const auto messages = h.decoder.of(Kind::kMessage);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].data, to_bytes("one"));
  EXPECT_EQ(messages[1].data, to_bytes("two"));
}

TEST(ZmtpClient, HandlerMayRestartFromOnMessage) {
  Harness h;
  h.connect();
  h.handler.on_message_hook = [&](Span<const uint8_t>) { EXPECT_TRUE(h.client.start(5).is_ok()); };
  // The restart happens inside the first message; what follows in the same chunk is read as the
  // start of a new greeting.
  h.feed(testing::concat({testing::message(to_bytes("restart")), testing::router_handshake()}));
  EXPECT_EQ(h.handler.messages.size(), 1u);
  EXPECT_EQ(h.handler.resets, 1);
  EXPECT_EQ(h.handler.readies, 2);
  EXPECT_TRUE(h.client.ready());
  h.sink.drain_into(h.decoder);
  EXPECT_EQ(h.decoder.count(Kind::kGreeting), 2u);
}

TEST(ZmtpClient, OnResetMayRestartWithoutADoubleGreeting) {
  Harness h;
  h.connect();
  h.handler.on_reset_hook = [&] { EXPECT_TRUE(h.client.start(7).is_ok()); };
  h.feed(testing::router_handshake());  // re-greeting -> on_reset -> start()
  EXPECT_TRUE(h.client.ready());
  h.sink.drain_into(h.decoder);
  EXPECT_EQ(h.decoder.count(Kind::kGreeting), 2u);
  EXPECT_EQ(h.client.counters().greetings_sent, 2u);
}

TEST(ZmtpClient, StartChecksItsOptions) {
  struct Case {
    const char* identity;
    const char* socket_type;
    uint32_t timeout, max_timeout;
    size_t rx_size, rx_offset;
    const char* expected;
  };
  const std::string long_id(256, 'a');
  const Case cases[] = {
      {long_id.c_str(), "DEALER", 1000, 2000, 1024, 0, "identity is longer than 255"},
      {nullptr, "DEALER", 1000, 2000, 1024, 0, "identity is null"},
      {"id", "", 1000, 2000, 1024, 0, "socket_type must be 1 to 16"},
      {"id", "DEALER", 0, 2000, 1024, 0, "handshake_timeout_ms is 0"},
      {"id", "DEALER", 3000, 2000, 1024, 0, "max_handshake_timeout_ms 2000"},
      {"id", "DEALER", 1000, 2000, 63, 0, "rx_buffer holds 63 bytes; at least 64"},
      {"id", "DEALER", 1000, 2000, 1024, 4, "rx_buffer must be 8-byte aligned"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    testing::GuardedBuffer buffer(2048);
    testing::CaptureSink sink;
    testing::RecordingHandler handler;
    Options options;
    options.identity = c.identity;
    options.socket_type = c.socket_type;
    options.handshake_timeout_ms = c.timeout;
    options.max_handshake_timeout_ms = c.max_timeout;
    Client client(options, Span<uint8_t>(buffer.span().data() + c.rx_offset, c.rx_size), sink,
                  handler);
    const Status s = client.start(0);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(s.message()).find(c.expected), std::string::npos) << s.message();
    EXPECT_TRUE(sink.out.empty());
  }
}

TEST(ZmtpClient, ALongIdentityMakesReadyALongCommandFrame) {
  const std::string identity(255, 'z');  // the RFC 23 maximum
  Harness h(1024, testing::test_options(identity.c_str()));
  h.connect();
  const auto commands = h.decoder.of(Kind::kCommand);
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].flags, 0x06);  // command, long: the body is 6 + 22 + 13 + 255 = 296 bytes
  testing::Properties props;
  ASSERT_TRUE(testing::parse_properties(commands[0].data, &props));
  ASSERT_EQ(props.size(), 2u);
  EXPECT_EQ(props[0].second, to_bytes("DEALER"));
  EXPECT_EQ(props[1].second, to_bytes(identity));
}

TEST(ZmtpClient, AnEmptyIdentityIsAllowed) {
  Harness h(1024, testing::test_options(""));
  h.connect();
  Bytes ready_data = h.decoder.of(Kind::kCommand)[0].data;
  testing::Properties props;
  ASSERT_TRUE(testing::parse_properties(ready_data, &props));
  ASSERT_EQ(props.size(), 2u);
  EXPECT_EQ(props[1].first, "Identity");
  EXPECT_TRUE(props[1].second.empty());
}

}  // namespace
}  // namespace fedgate::zmtp
