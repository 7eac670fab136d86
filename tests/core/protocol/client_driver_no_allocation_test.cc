// The driver loop on the ZMTP transport never touches the heap: registration, a model, an
// offer/decision/update cycle, silences (re-registration, re-handshake) and Bye. Every byte the
// peer sends is built before counting starts (tests/support/heap_counter counts the process's
// malloc calls).
#include <gtest/gtest.h>

#include <vector>

#include "core/protocol/client_driver.h"
#include "core/protocol/codec.h"
#include "core/protocol/zmtp_transport.h"
#include "tests/core/protocol/driver_test_support.h"
#include "tests/core/zmtp/zmtp_peer.h"
#include "tests/support/heap_counter.h"

namespace fedgate {
namespace {

using testing::FixedSource;
using testing::VirtualClock;
using zmtp::testing::Bytes;

// Hands out the peer's bytes one prepared segment at a time (release()), in small reads; what
// the client writes goes to a fixed array.
class ScriptedStream final : public zmtp::ByteStream {
 public:
  Status write(Span<const uint8_t> bytes) override {
    written += bytes.size();
    return Status::ok();
  }
  size_t read(Span<uint8_t> into, uint32_t) override {
    if (segment_ == nullptr || offset_ == segment_->size()) return 0;
    size_t n = segment_->size() - offset_;
    if (n > 37) n = 37;  // split anywhere
    if (n > into.size()) n = into.size();
    for (size_t i = 0; i < n; ++i) into[i] = (*segment_)[offset_ + i];
    offset_ += n;
    return n;
  }
  void release(const Bytes& segment) {
    segment_ = &segment;
    offset_ = 0;
  }
  bool drained() const { return segment_ == nullptr || offset_ == segment_->size(); }
  size_t written = 0;

 private:
  const Bytes* segment_ = nullptr;
  size_t offset_ = 0;
};

Bytes framed(const Result<Span<const uint8_t>>& message) {
  EXPECT_TRUE(message.is_ok());
  return zmtp::testing::message(Bytes(message->begin(), message->end()));
}

TEST(ClientDriverNoAllocation, WholeRunOverZmtp) {
#if !FEDGATE_COUNT_MALLOC
  GTEST_SKIP() << "malloc counting needs glibc without ASan";
#endif
  std::vector<uint8_t> peer_arena(8192);
  MessageWriter peer(Span<uint8_t>(peer_arena.data(), peer_arena.size()));
  uint32_t seq = 0;
  std::vector<Bytes> model_parts;
  testing::serve_test_model(peer, seq, 1, [&](const Result<Span<const uint8_t>>& m) {
    model_parts.push_back(framed(m));
  });
  const Bytes handshake = zmtp::testing::router_handshake();
  const Bytes model =
      zmtp::testing::concat({model_parts[0], model_parts[1], model_parts[2], model_parts[3]});
  const Bytes decision = framed(peer.decision(20, 1, 1, true));
  const Bytes bye = framed(peer.bye(21, wire::ByeReason::Finished, "done"));

  std::vector<float> model_buffer(64), gradient(64);
  std::vector<uint8_t> arena(64 * 4 + kMessageOverhead);
  alignas(8) static uint8_t rx[4096];
  FixedSource source;
  ScriptedStream stream;
  VirtualClock clock;
  zmtp::Options options;
  options.identity = "mcu-1";
  ZmtpTransport transport(options, Span<uint8_t>(rx, sizeof(rx)), stream, clock);
  ClientIdentity identity;
  identity.device_class = wire::DeviceClass::Mcu;
  identity.name = "mcu-1";
  identity.max_message_bytes = sizeof(rx);
  identity.max_chunk_floats = 4;
  ClientSession session(identity, Span<float>(model_buffer.data(), model_buffer.size()),
                        Span<float>(gradient.data(), gradient.size()),
                        Span<uint8_t>(arena.data(), arena.size()), source, transport);
  ClientDriver driver(session, transport, clock, handshaking_link_options());
  auto drain = [&] {
    for (int i = 0; i < 1000 && !stream.drained(); ++i) (void)driver.step(0);
    (void)driver.step(0);
  };

  const size_t before = heap_calls();
  const Status started = driver.start();
  stream.release(handshake);
  drain();
  const uint64_t hellos_after_handshake = session.counters().registrations;
  stream.release(model);
  drain();
  stream.release(decision);
  drain();
  const uint64_t updates = session.counters().updates;
  for (int i = 0; i < 2; ++i) {  // a re-registration, then a re-handshake
    clock.now += session.silence_timeout_ms() * 2;
    (void)driver.step(0);
  }
  const uint32_t rehandshakes = driver.counters().rehandshakes;
  stream.release(handshake);
  drain();
  stream.release(bye);
  drain();
  const size_t after = heap_calls();

  EXPECT_EQ(after - before, 0u);
  EXPECT_TRUE(started.is_ok());
  EXPECT_EQ(hellos_after_handshake, 1u);
  EXPECT_EQ(updates, 1u);
  EXPECT_EQ(rehandshakes, 1u);
  EXPECT_EQ(driver.counters().connections, 2u);
  EXPECT_EQ(session.counters().registrations, 3u);
  EXPECT_EQ(driver.outcome(), DriverOutcome::kFinished);
  EXPECT_GT(stream.written, 0u);
}

}  // namespace
}  // namespace fedgate
