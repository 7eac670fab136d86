// Test doubles at the client's two seams: a sink that records (and can fail), a handler that
// records, and a receive buffer with guard bytes on both sides to catch any overrun.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <vector>

#include "core/zmtp/client.h"
#include "tests/core/zmtp/zmtp_peer.h"

namespace fedgate::zmtp::testing {

class CaptureSink : public ByteSink {
 public:
  Status write(Span<const uint8_t> bytes) override {
    ++writes;
    if (fail_writes) return Status::error(StatusCode::kUnavailable, "test sink: link down");
    out.insert(out.end(), bytes.begin(), bytes.end());
    return Status::ok();
  }
  // Moves what was written so far into `decoder`.
  void drain_into(OutputDecoder& decoder) {
    EXPECT_TRUE(decoder.feed(out)) << "the client wrote bytes that are not ZMTP";
    out.clear();
  }
  Bytes out;
  size_t writes = 0;
  bool fail_writes = false;
};

class RecordingHandler : public FrameHandler {
 public:
  void on_message(Span<const uint8_t> payload) override {
    messages.emplace_back(payload.begin(), payload.end());
    if (on_message_hook) on_message_hook(payload);
  }
  void on_ready() override { ++readies; }
  void on_reset() override {
    ++resets;
    if (on_reset_hook) on_reset_hook();
  }
  std::vector<Bytes> messages;
  int readies = 0;
  int resets = 0;
  std::function<void(Span<const uint8_t>)> on_message_hook;
  std::function<void()> on_reset_hook;
};

// An 8-byte aligned receive buffer between two guard zones filled with a pattern.
class GuardedBuffer {
 public:
  static constexpr size_t kGuard = 64;
  static constexpr uint8_t kPattern = 0xA5;
  explicit GuardedBuffer(size_t size) : size_(size), storage_((size + 2 * kGuard) / 8 + 1) {
    std::memset(storage_.data(), kPattern, storage_.size() * 8);
  }
  Span<uint8_t> span() { return Span<uint8_t>(base() + kGuard, size_); }
  bool guards_intact() const {
    const uint8_t* b = reinterpret_cast<const uint8_t*>(storage_.data());
    for (size_t i = 0; i < kGuard; ++i) {
      if (b[i] != kPattern || b[kGuard + size_ + i] != kPattern) return false;
    }
    return true;
  }

 private:
  uint8_t* base() { return reinterpret_cast<uint8_t*>(storage_.data()); }
  size_t size_;
  std::vector<uint64_t> storage_;
};

inline Options test_options(const char* identity = "stm32-1") {
  Options options;
  options.identity = identity;
  return options;
}

// A client wired to the doubles above.
struct Harness {
  explicit Harness(size_t rx_size = 1024, Options options = test_options())
      : buffer(rx_size), client(options, buffer.span(), sink, handler) {}

  void feed(const Bytes& bytes, uint32_t now_ms = 0) {
    client.on_bytes(Span<const uint8_t>(bytes.data(), bytes.size()), now_ms);
  }
  // Feeds in pieces of at most `chunk` bytes.
  void feed_chunked(const Bytes& bytes, size_t chunk, uint32_t now_ms = 0) {
    for (size_t i = 0; i < bytes.size(); i += chunk) {
      const size_t n = std::min(chunk, bytes.size() - i);
      client.on_bytes(Span<const uint8_t>(bytes.data() + i, n), now_ms);
    }
  }
  // start() and a ROUTER's greeting + READY: the client is ready afterwards.
  void connect(uint32_t now_ms = 0) {
    ASSERT_TRUE(client.start(now_ms).is_ok());
    feed(router_handshake(), now_ms);
    ASSERT_TRUE(client.ready());
    sink.drain_into(decoder);
  }
  Status send(const Bytes& payload) {
    return client.send(Span<const uint8_t>(payload.data(), payload.size()));
  }

  GuardedBuffer buffer;
  CaptureSink sink;
  RecordingHandler handler;
  Client client;
  OutputDecoder decoder;
};

}  // namespace fedgate::zmtp::testing
