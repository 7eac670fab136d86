// The client never touches the heap: not in start(), on_bytes(), tick(), send() or streaming,
// not on error paths (resync, oversized frames, sink failures). Counts every malloc, calloc and
// realloc the process makes while the client runs (glibc: this executable's definitions
// interpose the C library's; operator new goes through malloc).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/zmtp/client.h"
#include "tests/core/zmtp/zmtp_peer.h"
#include "tests/support/heap_counter.h"

namespace fedgate::zmtp {
namespace {

using testing::Bytes;
using testing::concat;
using testing::message;

// Writes into a fixed array (wrapping), or fails on request.
class ArraySink : public ByteSink {
 public:
  Status write(Span<const uint8_t> bytes) override {
    if (fail) return Status::error(StatusCode::kUnavailable, "array sink: failing as asked");
    for (uint8_t b : bytes) data[size++ % sizeof(data)] = b;
    return Status::ok();
  }
  uint8_t data[4096] = {};
  size_t size = 0;
  bool fail = false;
};

class EchoHandler : public FrameHandler {
 public:
  explicit EchoHandler(Client*& client) : client_(client) {}
  void on_message(Span<const uint8_t> payload) override {
    ++messages;
    (void)client_->send(payload);
  }
  void on_ready() override { ++readies; }
  void on_reset() override { ++resets; }
  int messages = 0, readies = 0, resets = 0;

 private:
  Client*& client_;
};

TEST(ZmtpNoAllocation, CounterSeesHeapCalls) {
#if !FEDGATE_COUNT_MALLOC
  GTEST_SKIP() << "malloc counting needs glibc without ASan";
#endif
  const size_t before = heap_calls();
  auto block = std::make_unique<std::vector<float>>(1000);
  EXPECT_GT(heap_calls(), before);
}

TEST(ZmtpNoAllocation, WholeSessionWithFaults) {
  // Everything the peer sends, built before counting starts.
  Bytes corrupt = message(testing::to_bytes("x"));
  corrupt[0] = 0x40;
  const Bytes stream = concat({
      Bytes(17, 0x55),  // garbage
      testing::router_handshake(),
      message(testing::pattern(10, 1)),
      message(testing::pattern(900, 2)),
      message(testing::pattern(5000, 3)),  // oversized
      message(testing::to_bytes("a"), true),
      message(testing::to_bytes("b")),  // multipart
      testing::ping(1, testing::to_bytes("ctx")),
      testing::command("HELLO", {}),
      corrupt,  // resync
      testing::router_handshake(),
      message(testing::pattern(100, 4)),
      testing::router_handshake(),  // re-greeting
      message(testing::pattern(100, 5)),
      testing::error_command("bye"),
  });
  const Bytes big = testing::pattern(3000, 6);
  const Bytes handshake = testing::router_handshake();
  alignas(8) static uint8_t rx[1024];
  ArraySink sink;
  Client* client_ptr = nullptr;
  EchoHandler handler(client_ptr);
  Options options;
  options.identity = "stm32-1";
  Client client(options, Span<uint8_t>(rx, sizeof(rx)), sink, handler);
  client_ptr = &client;

  const size_t before = heap_calls();
  ASSERT_TRUE(client.start(0).is_ok());
  for (size_t i = 0; i < stream.size(); i += 7) {
    const size_t n = std::min<size_t>(7, stream.size() - i);
    client.on_bytes(Span<const uint8_t>(stream.data() + i, n), static_cast<uint32_t>(i));
    client.tick(static_cast<uint32_t>(i));
  }
  client.on_bytes(Span<const uint8_t>(handshake.data(), handshake.size()), 100000);
  const bool ready = client.ready();
  const Status begun = client.begin_message(big.size());
  const Status part1 = client.write_part(Span<const uint8_t>(big.data(), 1000));
  const Status part2 = client.write_part(Span<const uint8_t>(big.data() + 1000, 2000));
  const Status too_much = client.write_part(Span<const uint8_t>(big.data(), 1));
  for (uint32_t t = 100000; t < 200000; t += 500) client.tick(t);  // nothing to time while ready
  sink.fail = true;
  const Status failed = client.send(Span<const uint8_t>(big.data(), 10));
  for (uint32_t t = 200000; t < 300000; t += 500) client.tick(t);  // timeouts with backoff
  const size_t after = heap_calls();

  EXPECT_EQ(after - before, 0u);
  EXPECT_TRUE(ready);
  EXPECT_TRUE(begun.is_ok());
  EXPECT_TRUE(part1.is_ok());
  EXPECT_TRUE(part2.is_ok());
  EXPECT_FALSE(too_much.is_ok());
  EXPECT_FALSE(failed.is_ok());
  EXPECT_EQ(handler.messages, 4);
  EXPECT_EQ(client.counters().oversized, 1u);
  EXPECT_EQ(client.counters().multipart_dropped, 1u);
  EXPECT_EQ(client.counters().resyncs, 1u);
  EXPECT_EQ(client.counters().regreetings, 1u);
  EXPECT_EQ(client.counters().errors_received, 1u);
  EXPECT_GT(client.counters().handshake_timeouts, 3u);
}

}  // namespace
}  // namespace fedgate::zmtp
