// One ClientDriver test body over both transports (gloo style): the cppzmq DEALER of the Linux
// client and core's ZMTP client over a TCP byte stream (the firmware's path). The peer is a real
// libzmq ROUTER that plays the coordinator's part of the protocol; the driver's time is virtual.
#include "core/protocol/client_driver.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <zmq.hpp>

#include "core/protocol/codec.h"
#include "core/protocol/zmtp_transport.h"
#include "firmware/linux/zmq_link.h"
#include "tests/core/protocol/driver_test_support.h"
#include "tests/core/zmtp/tcp_link.h"

namespace fedgate {
namespace {

constexpr const char* kName = "driver-1";
using testing::FixedSource;
using testing::VirtualClock;

// The Linux client's transport, set up as firmware/linux/main.cc does.
struct ZmqHarness {
  void open(const std::string& endpoint, DriverClock&) {
    link = std::make_unique<ZmqLink>(context, endpoint, kName, 1 << 20);
  }
  ClientTransport& transport() { return *link; }
  DriverOptions options() const { return reconnecting_link_options(); }
  zmq::context_t context{1};
  std::unique_ptr<ZmqLink> link;
};

// The firmware's transport over TCP, reconnecting like the serial bridge does.
struct ZmtpHarness {
  void open(const std::string& endpoint, DriverClock& clock) {
    stream = std::make_unique<zmtp::testing::TcpLink>(endpoint);
    stream->reconnect_when_closed = true;
    stream->drop_while_disconnected = true;
    ASSERT_TRUE(stream->connect(2000));
    zmtp::Options options;
    options.identity = kName;
    link = std::make_unique<ZmtpTransport>(options, Span<uint8_t>(rx, sizeof(rx)), *stream, clock);
  }
  ClientTransport& transport() { return *link; }
  DriverOptions options() const { return handshaking_link_options(); }
  alignas(8) uint8_t rx[4096];
  std::unique_ptr<zmtp::testing::TcpLink> stream;
  std::unique_ptr<ZmtpTransport> link;
};

template <typename Harness>
class ClientDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bind_peer("tcp://127.0.0.1:*");
    endpoint_ = peer_->get(zmq::sockopt::last_endpoint);
    ASSERT_NO_FATAL_FAILURE(harness_.open(endpoint_, clock_));
    ClientIdentity identity;
    identity.name = kName;
    identity.max_message_bytes = 4096;
    identity.max_chunk_floats = 4;
    session_ = std::make_unique<ClientSession>(identity, Span<float>(model_.data(), model_.size()),
                                               Span<float>(grad_.data(), grad_.size()),
                                               Span<uint8_t>(arena_.data(), arena_.size()), source_,
                                               harness_.transport());
    driver_ =
        std::make_unique<ClientDriver>(*session_, harness_.transport(), clock_, harness_.options());
  }

  // A restarted peer retries its bind while the old socket's port is still being released.
  void bind_peer(const std::string& endpoint) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      peer_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
      peer_->set(zmq::sockopt::linger, 0);
      peer_->set(zmq::sockopt::router_handover, 1);
      try {
        peer_->bind(endpoint);
        return;
      } catch (const zmq::error_t& error) {
        if (error.num() != EADDRINUSE || std::chrono::steady_clock::now() > deadline) throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // Steps the driver (its clock moving advance_ms a round) and collects what the peer receives
  // until `done` holds; false after 10 s of real time.
  bool pump_until(const std::function<bool()>& done, uint32_t advance_ms = 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      (void)driver_->step(5);
      clock_.now += advance_ms;
      drain_peer();
    }
    return true;
  }

  // As pump_until, but the driver's clock follows real time: for waits on a real connection
  // coming up, whose length only real time measures (a loaded machine can take seconds), so
  // the driver's retry windows last as long as they would on a board.
  bool pump_in_real_time_until(const std::function<bool()>& done) {
    const auto start = std::chrono::steady_clock::now();
    const uint32_t start_ms = clock_.now;
    const auto deadline = start + std::chrono::seconds(30);
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now > deadline) return false;
      const auto real_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
      clock_.now = start_ms + static_cast<uint32_t>(real_ms.count());
      (void)driver_->step(5);
      drain_peer();
    }
    return true;
  }

  void drain_peer() {
    for (;;) {
      zmq::message_t id, payload;
      if (!peer_->recv(id, zmq::recv_flags::dontwait)) return;
      if (!peer_->recv(payload, zmq::recv_flags::dontwait)) return;
      std::vector<uint64_t> aligned((payload.size() + 7) / 8);
      std::memcpy(aligned.data(), payload.data(), payload.size());
      wire::ErrorCode error;
      const wire::Envelope* envelope = verify_envelope(
          Span<const uint8_t>(reinterpret_cast<const uint8_t*>(aligned.data()), payload.size()),
          &error);
      ASSERT_NE(envelope, nullptr);
      received_.push_back(envelope->message_type());
      client_id_ = id.to_string();
    }
  }

  size_t count(wire::Message type) const {
    size_t n = 0;
    for (wire::Message m : received_) n += m == type;
    return n;
  }

  void peer_send(const Result<Span<const uint8_t>>& message) {
    ASSERT_TRUE(message.is_ok());
    peer_->send(zmq::buffer(client_id_), zmq::send_flags::sndmore);
    peer_->send(zmq::const_buffer(message->data(), message->size()), zmq::send_flags::none);
  }

  void register_client() {
    ASSERT_TRUE(driver_->start().is_ok());
    ASSERT_TRUE(pump_in_real_time_until([&] { return count(wire::Message::Hello) == 1; }));
    EXPECT_EQ(client_id_, kName);
    EXPECT_EQ(session_->state(), ClientSession::State::kRegistering);
  }

  void serve_model(uint32_t version) {
    testing::serve_test_model(writer_, seq_, version,
                              [&](const Result<Span<const uint8_t>>& m) { peer_send(m); });
  }

  // Moves the clock to just past the driver's current silence wait and steps once.
  void go_silent_for(uint32_t ms) {
    clock_.now += ms;
    (void)driver_->step(0);
    drain_peer();
  }

  Harness harness_;
  VirtualClock clock_;
  zmq::context_t context_{1};
  std::unique_ptr<zmq::socket_t> peer_;
  std::string endpoint_;
  std::string client_id_;
  std::vector<wire::Message> received_;
  std::vector<uint8_t> peer_arena_ = std::vector<uint8_t>(8192);
  MessageWriter writer_{Span<uint8_t>(peer_arena_.data(), peer_arena_.size())};
  uint32_t seq_ = 0;
  std::vector<float> model_ = std::vector<float>(64);
  std::vector<float> grad_ = std::vector<float>(64);
  std::vector<uint8_t> arena_ = std::vector<uint8_t>(64 * 4 + kMessageOverhead);
  FixedSource source_;
  std::unique_ptr<ClientSession> session_;
  std::unique_ptr<ClientDriver> driver_;
};

using Transports = ::testing::Types<ZmqHarness, ZmtpHarness>;
class TransportNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, ZmqHarness> ? "Cppzmq" : "ZmtpOverTcp";
  }
};
TYPED_TEST_SUITE(ClientDriverTest, Transports, TransportNames);

TYPED_TEST(ClientDriverTest, RegistersWhenTheLinkIsUp) {
  ASSERT_NO_FATAL_FAILURE(this->register_client());
  // libzmq's link may refuse the first Hello (its connect still under way) and the driver
  // retries it; the peer saw exactly one.
  EXPECT_GE(this->session_->counters().registrations, 1u);
  EXPECT_EQ(this->driver_->counters().connections,
            this->harness_.transport().announces_connections() ? 1u : 0u);
  EXPECT_EQ(this->driver_->outcome(), DriverOutcome::kRunning);
}

TYPED_TEST(ClientDriverTest, RunsAnOfferDecisionUpdateCycle) {
  ASSERT_NO_FATAL_FAILURE(this->register_client());
  this->serve_model(1);
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Offer) == 1; }));
  EXPECT_EQ(this->session_->state(), ClientSession::State::kAwaitingDecision);
  this->peer_send(this->writer_.decision(++this->seq_, 1, 1, true));
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Update) == 1; }));
  const ClientCounters& c = this->session_->counters();
  EXPECT_EQ(c.models, 1u);
  EXPECT_EQ(c.offers, 1u);
  EXPECT_EQ(c.accepts, 1u);
  EXPECT_EQ(c.updates, 1u);
  EXPECT_EQ(this->driver_->counters().silences, 0u);
}

TYPED_TEST(ClientDriverTest, SilenceLeadsToRegisteringAgainWithBackoff) {
  ASSERT_NO_FATAL_FAILURE(this->register_client());
  this->serve_model(1);
  // The clock stands still: the silence counts from the model's last chunk.
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Offer) == 1; }));
  const uint32_t timeout = this->session_->silence_timeout_ms();
  this->go_silent_for(timeout - 1);
  EXPECT_EQ(this->driver_->counters().silences, 0u);
  this->go_silent_for(1);  // one silence timeout: register again
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Hello) == 2; }));
  EXPECT_EQ(this->driver_->counters().silences, 1u);
  EXPECT_EQ(this->driver_->counters().rehandshakes, 0u);
  // The next wait is twice as long.
  this->go_silent_for(timeout);
  EXPECT_EQ(this->driver_->counters().silences, 1u);
  this->go_silent_for(timeout);
  EXPECT_EQ(this->driver_->counters().silences, 2u);
  // The second silence in a row re-handshakes the ZMTP link (which registers once it is up
  // again; its handshake timers need the clock to move); libzmq's link registers again.
  ASSERT_TRUE(
      this->pump_in_real_time_until([&] { return this->count(wire::Message::Hello) == 3; }));
  const bool announces = this->harness_.transport().announces_connections();
  EXPECT_EQ(this->driver_->counters().rehandshakes, announces ? 1u : 0u);
  EXPECT_EQ(this->driver_->counters().connections, announces ? 2u : 0u);
  // An answer resets the backoff: one silence timeout is enough again.
  this->serve_model(1);
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Offer) == 2; }));
  const uint32_t silences = this->driver_->counters().silences;
  this->go_silent_for(this->session_->silence_timeout_ms());
  EXPECT_EQ(this->driver_->counters().silences, silences + 1);
}

// A link that stays up but deaf (libzmq's ROUTER gave the routing id to another connection)
// only recovers on a new connection: repeated silence re-opens the link, then registers.
TYPED_TEST(ClientDriverTest, RepeatedSilenceReopensTheLinkAndRegistersAgain) {
  ASSERT_NO_FATAL_FAILURE(this->register_client());
  const uint32_t reopen_at = this->harness_.options().rehandshake_after;
  ASSERT_GT(reopen_at, 0u);
  uint32_t wait = this->session_->silence_timeout_ms();
  while (this->driver_->counters().silences < reopen_at) {
    EXPECT_EQ(this->driver_->counters().rehandshakes, 0u);
    this->go_silent_for(wait);
    wait *= 2;
    // Re-opening closes the old socket without linger, dropping what libzmq has not yet
    // written: on a board silences are seconds apart, here the clock jumps, so each Hello
    // must reach the peer before the next silence.
    const uint32_t silences = this->driver_->counters().silences;
    if (silences < reopen_at) {
      ASSERT_TRUE(
          this->pump_until([&] { return this->count(wire::Message::Hello) == silences + 1; }));
    }
  }
  EXPECT_EQ(this->driver_->counters().rehandshakes, 1u);
  // Every silence sent a Hello except the re-opening one of a link that announces itself,
  // which registers once its handshake is done.
  ASSERT_TRUE(this->pump_in_real_time_until(
      [&] { return this->count(wire::Message::Hello) == size_t{reopen_at} + 1; }));
  if constexpr (std::is_same_v<TypeParam, ZmqHarness>) {
    EXPECT_EQ(this->harness_.link->reconnects(), 1u);
  }
  // The peer answers on the new connection.
  this->serve_model(1);
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Offer) == 1; }));
}

TYPED_TEST(ClientDriverTest, PeerRestartLeadsToANewRegistration) {
  ASSERT_NO_FATAL_FAILURE(this->register_client());
  this->serve_model(1);
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Offer) == 1; }));
  // The coordinator goes away and comes back on the same port, knowing nothing of the client.
  this->peer_.reset();
  this->received_.clear();
  this->bind_peer(this->endpoint_);
  // ZMTP re-handshakes at the new greeting; libzmq reconnects and the silence re-registers.
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Hello) >= 1; }, 20));
  EXPECT_GE(this->session_->counters().registrations, 2u);
  if (this->harness_.transport().announces_connections()) {
    EXPECT_GE(this->driver_->counters().connections, 2u);
  }
  // The new coordinator serves it as usual.
  this->serve_model(1);
  ASSERT_TRUE(this->pump_until([&] { return this->count(wire::Message::Offer) >= 1; }));
  EXPECT_EQ(this->session_->counters().offers, 2u);
}

TYPED_TEST(ClientDriverTest, ByeEndsTheRun) {
  ASSERT_NO_FATAL_FAILURE(this->register_client());
  this->serve_model(1);
  this->peer_send(this->writer_.bye(++this->seq_, wire::ByeReason::Finished, "run complete"));
  EXPECT_EQ(this->driver_->run(), DriverOutcome::kFinished);
  EXPECT_STREQ(this->session_->final_message(), "run complete");
  EXPECT_EQ(this->session_->state(), ClientSession::State::kFinished);
}

TYPED_TEST(ClientDriverTest, GivesUpAfterTheConfiguredSilence) {
  DriverOptions options = this->harness_.options();
  options.give_up_after_ms = 10000;
  this->driver_ = std::make_unique<ClientDriver>(*this->session_, this->harness_.transport(),
                                                 this->clock_, options);
  ASSERT_NO_FATAL_FAILURE(this->register_client());
  ASSERT_TRUE(
      this->pump_until([&] { return this->driver_->outcome() != DriverOutcome::kRunning; }, 50));
  EXPECT_EQ(this->driver_->outcome(), DriverOutcome::kGaveUp);
  EXPECT_GE(this->driver_->silent_ms(), 10000u);
}

TYPED_TEST(ClientDriverTest, StopFlagEndsTheRun) {
  ASSERT_NO_FATAL_FAILURE(this->register_client());
  volatile std::sig_atomic_t stop = 1;
  EXPECT_EQ(this->driver_->run(&stop), DriverOutcome::kStopped);
}

// A link that takes everything and never answers.
class SilentTransport final : public ClientTransport {
 public:
  Status send(Span<const uint8_t>) override { return Status::ok(); }
  bool announces_connections() const override { return false; }
  Status open(TransportEvents&) override { return Status::ok(); }
  void poll(uint32_t, TransportEvents&) override {}
};

TEST(ClientDriverBackoff, DoublesUpToTheCeilingOfEachKindOfLink) {
  struct Case {
    DriverOptions options;
    std::vector<uint32_t> waits_ms;  // between consecutive silences; silence timeout 3 s
  };
  const Case cases[] = {
      {reconnecting_link_options(), {3000, 6000, 12000, 24000, 30000, 30000}},
      {handshaking_link_options(), {3000, 6000, 12000, 24000, 24000}},
  };
  for (const Case& c : cases) {
    VirtualClock clock;
    FixedSource source;
    SilentTransport transport;
    std::vector<float> model(16), gradient(16);
    std::vector<uint8_t> arena(16 * 4 + kMessageOverhead);
    ClientIdentity identity;
    ClientSession session(identity, Span<float>(model.data(), model.size()),
                          Span<float>(gradient.data(), gradient.size()),
                          Span<uint8_t>(arena.data(), arena.size()), source, transport);
    ClientDriver driver(session, transport, clock, c.options);
    ASSERT_TRUE(driver.start().is_ok());
    for (size_t i = 0; i < c.waits_ms.size(); ++i) {
      clock.now += c.waits_ms[i] - 1;
      ASSERT_TRUE(driver.step(0).is_ok());
      EXPECT_EQ(driver.counters().silences, i) << "silence " << i + 1 << " came early";
      clock.now += 1;
      ASSERT_TRUE(driver.step(0).is_ok());
      EXPECT_EQ(driver.counters().silences, i + 1) << "silence " << i + 1 << " did not come";
    }
  }
}

class IgnoreEvents : public TransportEvents {
 public:
  void on_message(Span<const uint8_t>) override {}
  void on_connected() override {}
  void on_disconnected() override {}
};

// ZMQ_IMMEDIATE refuses a send until the connection is up, and the constructor's
// connect() has only started it: open() waits, so the first Hello goes out and a
// client registers once (docs/protocol.md, section 10).
TEST(ZmqLinkStartUp, FirstSendAfterOpenIsDelivered) {
  zmq::context_t context{1};
  zmq::socket_t router(context, zmq::socket_type::router);
  router.bind("tcp://127.0.0.1:*");
  ZmqLink link(context, router.get(zmq::sockopt::last_endpoint), "first-hello", 1 << 20);
  IgnoreEvents events;
  ASSERT_TRUE(link.open(events).is_ok());
  const uint8_t hello[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(link.send(Span<const uint8_t>(hello, sizeof(hello))).is_ok());
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 1, std::chrono::milliseconds(5000));
  EXPECT_TRUE(items[0].revents & ZMQ_POLLIN) << "the router received nothing";
}

}  // namespace
}  // namespace fedgate
