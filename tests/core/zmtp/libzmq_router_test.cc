// The client against a real libzmq ROUTER over loopback TCP (cppzmq on the ROUTER side).
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "core/zmtp/client.h"
#include "tests/core/zmtp/tcp_link.h"
#include "tests/core/zmtp/zmtp_test_util.h"

namespace fedgate::zmtp {
namespace {

using testing::Bytes;
using testing::pattern;
using testing::to_bytes;

constexpr const char* kIdentity = "stm32-test-1";

std::unique_ptr<zmq::socket_t> make_router(zmq::context_t& ctx, const std::string& endpoint) {
  auto router = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::router);
  router->set(zmq::sockopt::linger, 0);
  router->set(zmq::sockopt::router_handover, 1);
  router->bind(endpoint);
  return router;
}

class ZmtpAgainstLibzmq : public ::testing::Test {
 protected:
  void SetUp() override {
    router_ = make_router(ctx_, "tcp://127.0.0.1:*");
    endpoint_ = router_->get(zmq::sockopt::last_endpoint);
    link_ = std::make_unique<testing::TcpLink>(endpoint_);
    Options options;
    options.identity = kIdentity;
    client_ = std::make_unique<Client>(options, buffer_.span(), *link_, handler_);
  }

  // Runs the client's side (reads, timers, reconnecting like a bridge when the TCP connection
  // closes) and the ROUTER's receive queue until `done` holds or timeout_ms passes.
  bool pump_until(const std::function<bool()>& done, int timeout_ms = 5000) {
    const uint32_t deadline = testing::monotonic_ms() + static_cast<uint32_t>(timeout_ms);
    while (!done()) {
      if (static_cast<int32_t>(testing::monotonic_ms() - deadline) >= 0) return false;
      if (!link_->connected()) {
        link_->connect(50);
      } else {
        link_->pump(*client_, 2, testing::monotonic_ms());
      }
      client_->tick(testing::monotonic_ms());
      drain_router();
    }
    return true;
  }

  void drain_router() {
    while (router_) {
      std::vector<zmq::message_t> parts;
      const auto n =
          zmq::recv_multipart(*router_, std::back_inserter(parts), zmq::recv_flags::dontwait);
      if (!n) return;
      received_.push_back(std::move(parts));
    }
  }

  void connect_and_handshake() {
    ASSERT_TRUE(link_->connect(2000));
    ASSERT_TRUE(client_->start(testing::monotonic_ms()).is_ok());
    ASSERT_TRUE(pump_until([&] { return client_->ready(); }));
  }

  void router_send(const std::string& identity, const Bytes& payload, bool more = false) {
    router_->send(zmq::buffer(identity), zmq::send_flags::sndmore);
    router_->send(zmq::buffer(payload), more ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }

  Status client_send(const Bytes& payload) {
    return client_->send(Span<const uint8_t>(payload.data(), payload.size()));
  }

  // Sends from the client and checks that the ROUTER sees [identity, payload].
  void expect_round_trip(const Bytes& up, const Bytes& down) {
    const size_t before = received_.size();
    ASSERT_TRUE(client_send(up).is_ok());
    ASSERT_TRUE(pump_until([&] { return received_.size() > before; }));
    const auto& parts = received_.back();
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].to_string(), kIdentity);
    EXPECT_EQ(Bytes(parts[1].data<uint8_t>(), parts[1].data<uint8_t>() + parts[1].size()), up);
    const size_t delivered = handler_.messages.size();
    router_send(kIdentity, down);
    ASSERT_TRUE(pump_until([&] { return handler_.messages.size() > delivered; }));
    EXPECT_EQ(handler_.messages.back(), down);
  }

  zmq::context_t ctx_;
  std::unique_ptr<zmq::socket_t> router_;
  std::string endpoint_;
  testing::GuardedBuffer buffer_{65536};
  testing::RecordingHandler handler_;
  std::unique_ptr<testing::TcpLink> link_;
  std::unique_ptr<Client> client_;
  std::vector<std::vector<zmq::message_t>> received_;
};

TEST_F(ZmtpAgainstLibzmq, RoutingIdIsTheIdentityAndMessagesFlowBothWays) {
  connect_and_handshake();
  EXPECT_EQ(handler_.readies, 1);
  expect_round_trip(pattern(10, 1), pattern(10, 2));        // short frames
  expect_round_trip(pattern(40000, 3), pattern(40000, 4));  // long frames
  expect_round_trip(pattern(255, 5), pattern(256, 6));      // the short/long edge
  // A streamed message, sent in pieces.
  const Bytes big = pattern(40000, 7);
  ASSERT_TRUE(client_->begin_message(big.size()).is_ok());
  for (size_t i = 0; i < big.size(); i += 1000) {
    ASSERT_TRUE(client_->write_part(Span<const uint8_t>(big.data() + i, 1000)).is_ok());
  }
  const size_t before = received_.size();
  ASSERT_TRUE(pump_until([&] { return received_.size() > before; }));
  ASSERT_EQ(received_.back().size(), 2u);
  EXPECT_EQ(received_.back()[1].size(), big.size());
  EXPECT_EQ(0, std::memcmp(received_.back()[1].data(), big.data(), big.size()));
  const Counters& c = client_->counters();
  EXPECT_EQ(c.partial_greetings, 0u);
  EXPECT_EQ(c.malformed, 0u);
  EXPECT_EQ(c.messages_out, 4u);
  EXPECT_EQ(c.messages_in, 3u);
  EXPECT_TRUE(buffer_.guards_intact());
}

TEST_F(ZmtpAgainstLibzmq, RouterRestartLeadsToARehandshake) {
  connect_and_handshake();
  expect_round_trip(to_bytes("before"), to_bytes("ack"));
  // The coordinator goes away and comes back on the same port. The link reconnects as a bridge
  // would; nobody calls start(): the client sees the new greeting where a frame should be.
  router_.reset();
  ASSERT_TRUE(pump_until([&] { return !link_->connected(); }));
  router_ = make_router(ctx_, endpoint_);
  ASSERT_TRUE(pump_until([&] { return client_->ready() && client_->counters().handshakes == 2; }));
  EXPECT_EQ(client_->counters().regreetings, 1u);
  EXPECT_EQ(handler_.resets, 1);
  EXPECT_EQ(handler_.readies, 2);
  EXPECT_EQ(client_->counters().malformed, 0u);
  expect_round_trip(to_bytes("after restart"), pattern(40000, 9));
}

TEST_F(ZmtpAgainstLibzmq, NewConnectionToTheSameRouterLeadsToARehandshake) {
  connect_and_handshake();
  expect_round_trip(to_bytes("first connection"), to_bytes("ok"));
  link_->close();  // the bridge re-opens its TCP connection
  ASSERT_TRUE(pump_until([&] { return client_->counters().handshakes == 2 && client_->ready(); }));
  EXPECT_EQ(client_->counters().regreetings, 1u);
  expect_round_trip(to_bytes("second connection"), to_bytes("ok again"));
}

TEST_F(ZmtpAgainstLibzmq, MessageSentIntoAFreshConnectionBeforeItsGreetingIsRecovered) {
  // The race of a bridge re-opening its connection: the firmware sends a message before it has
  // read the new connection's greeting. libzmq takes the non-greeting first byte for a ZMTP 1.0
  // peer and drops the connection once our greeting follows; the next connection's greeting is
  // read, and the session comes back without start().
  connect_and_handshake();
  expect_round_trip(to_bytes("first"), to_bytes("ok"));
  link_->close();
  ASSERT_TRUE(link_->connect(2000));
  ASSERT_TRUE(client_send(to_bytes("too early")).is_ok());
  ASSERT_TRUE(
      pump_until([&] { return client_->ready() && client_->counters().handshakes >= 2; }, 10000));
  const Counters& c = client_->counters();
  std::printf(
      "[ zmtp race ] regreetings %u, greeting stalls %u, timeouts %u, greetings sent %u, "
      "malformed %u, messages in %u\n",
      c.regreetings, c.greeting_stalls, c.handshake_timeouts, c.greetings_sent, c.malformed,
      c.messages_in);
  expect_round_trip(to_bytes("recovered"), to_bytes("ok again"));
}

TEST_F(ZmtpAgainstLibzmq, OversizedAndMultipartMessagesAreDroppedAndCounted) {
  buffer_ = testing::GuardedBuffer(4096);
  Options options;
  options.identity = kIdentity;
  client_ = std::make_unique<Client>(options, buffer_.span(), *link_, handler_);
  connect_and_handshake();
  // The ROUTER knows the routing id once our READY was processed; a first round trip makes sure
  // (a ROUTER silently drops messages to unknown ids).
  expect_round_trip(to_bytes("hello"), to_bytes("welcome"));
  router_send(kIdentity, pattern(10000, 1));
  router_->send(zmq::buffer(std::string(kIdentity)), zmq::send_flags::sndmore);
  router_->send(zmq::str_buffer("part a"), zmq::send_flags::sndmore);
  router_->send(zmq::str_buffer("part b"), zmq::send_flags::none);
  router_send(kIdentity, to_bytes("fits"));
  ASSERT_TRUE(pump_until([&] { return handler_.messages.size() == 2; }));
  EXPECT_EQ(handler_.messages.back(), to_bytes("fits"));
  EXPECT_EQ(client_->counters().oversized, 1u);
  EXPECT_EQ(client_->counters().multipart_dropped, 1u);
  EXPECT_TRUE(buffer_.guards_intact());
  expect_round_trip(to_bytes("still fine"), pattern(4096, 2));
}

TEST_F(ZmtpAgainstLibzmq, GreetingLostBeforeTheConnectionIsRecoveredByTheStallTimer) {
  // QEMU with reconnect=1: the firmware greets at boot while no server is connected; libzmq then
  // sends only its signature and waits for ours.
  link_->drop_while_disconnected = true;
  ASSERT_TRUE(client_->start(testing::monotonic_ms()).is_ok());
  ASSERT_TRUE(link_->connect(2000));
  ASSERT_TRUE(pump_until([&] { return client_->ready(); }));
  EXPECT_EQ(client_->counters().greeting_stalls, 1u);
  EXPECT_EQ(client_->counters().handshake_timeouts, 0u);
  expect_round_trip(to_bytes("late"), to_bytes("fine"));
}

TEST_F(ZmtpAgainstLibzmq, SignatureLostByALateUartIsTolerated) {
  // The USART is enabled after libzmq sent its 10 signature bytes.
  link_->drop_first_bytes = 10;
  ASSERT_TRUE(link_->connect(2000));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the signature arrives first
  ASSERT_TRUE(client_->start(testing::monotonic_ms()).is_ok());
  ASSERT_TRUE(pump_until([&] { return client_->ready(); }));
  EXPECT_EQ(client_->counters().partial_greetings, 1u);
  expect_round_trip(to_bytes("partial"), to_bytes("greeting"));
}

}  // namespace
}  // namespace fedgate::zmtp
