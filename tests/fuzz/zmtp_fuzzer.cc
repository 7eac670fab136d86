// libFuzzer target: arbitrary bytes, in arbitrary splits, into the ZMTP client.
//   input = mode byte, split seed byte, then the bytes "from the peer".
//   mode bit 0: a valid greeting + READY goes first, so frame parsing is reached at once
//   mode bit 1: the handler echoes every message with send()
//   mode bit 2: on_ready() streams a message in parts (begin_message + write_part)
//   mode bit 3: the sink fails on every 7th write
//   mode bits 4-7: largest piece = 1 << (bits), pieces drawn from the split seed
// The client must stay inside its receive buffer (guard zones, and ASan), deliver only payloads
// that lie in that buffer, and keep its counters consistent.
//   cmake --preset fuzz && cmake --build --preset fuzz --target zmtp_fuzzer
//   build/fuzz/tests/fuzz/zmtp_fuzzer tests/fuzz/zmtp_corpus -max_total_time=60
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/zmtp/client.h"

namespace {

using namespace fedgate;

constexpr size_t kRx = 256;
constexpr size_t kGuard = 64;
constexpr uint8_t kPattern = 0xA5;
alignas(8) uint8_t g_storage[kGuard + kRx + kGuard];

void check(bool condition) {
  if (!condition) std::abort();
}

class FuzzSink : public zmtp::ByteSink {
 public:
  Status write(Span<const uint8_t> bytes) override {
    check(bytes.data() != nullptr || bytes.empty());
    ++writes;
    if (fail_every != 0 && writes % fail_every == 0) {
      return Status::error(StatusCode::kUnavailable, "fuzz sink: failing");
    }
    written += bytes.size();
    return Status::ok();
  }
  uint32_t fail_every = 0;
  uint64_t writes = 0;
  uint64_t written = 0;
};

class FuzzHandler : public zmtp::FrameHandler {
 public:
  void on_message(Span<const uint8_t> payload) override {
    check(payload.data() == g_storage + kGuard);
    check(payload.size() <= kRx);
    uint8_t sum = 0;
    for (uint8_t b : payload) sum = static_cast<uint8_t>(sum + b);  // touch every byte
    checksum = static_cast<uint8_t>(checksum ^ sum);
    if (echo) (void)client->send(payload);
  }
  void on_ready() override {
    ++readies;
    if (stream && client->begin_message(600).is_ok()) {
      static const uint8_t part[200] = {};
      for (int i = 0; i < 3; ++i) (void)client->write_part(Span<const uint8_t>(part, 200));
    }
  }
  void on_reset() override {
    ++resets;
    check(resets <= readies);  // one reset per announced session
  }
  zmtp::Client* client = nullptr;
  bool echo = false;
  bool stream = false;
  uint64_t readies = 0, resets = 0;
  uint8_t checksum = 0;
};

// A valid ROUTER greeting and READY (laid out by field, not by the formatter).
// clang-format off
const uint8_t kPeerHandshake[] = {
    0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1, 'N', 'U', 'L', 'L', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0,
    0x04, 0x29, 0x05, 'R', 'E', 'A', 'D', 'Y', 0x0B, 'S', 'o', 'c', 'k', 'e', 't', '-', 'T', 'y',
    'p', 'e', 0, 0, 0, 6, 'R', 'O', 'U', 'T', 'E', 'R', 0x08, 'I', 'd', 'e', 'n', 't', 'i', 't',
    'y', 0, 0, 0, 0};
// clang-format on

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  uint32_t rng = data[1] * 2654435761u + 1;
  data += 2;
  size -= 2;

  std::memset(g_storage, kPattern, sizeof(g_storage));
  FuzzSink sink;
  sink.fail_every = (mode & 8) ? 7 : 0;
  FuzzHandler handler;
  handler.echo = (mode & 2) != 0;
  handler.stream = (mode & 4) != 0;
  zmtp::Options options;
  options.identity = "fuzz-1";
  options.handshake_timeout_ms = 50;
  options.max_handshake_timeout_ms = 400;
  options.max_frame_bytes = 1 << 20;
  zmtp::Client client(options, Span<uint8_t>(g_storage + kGuard, kRx), sink, handler);
  handler.client = &client;

  uint32_t now = 0xFFFFF000u;  // let the clock wrap during the run
  (void)client.start(now);
  if (mode & 1) client.on_bytes(Span<const uint8_t>(kPeerHandshake, sizeof(kPeerHandshake)), now);

  const size_t max_piece = size_t{1} << (mode >> 4);
  for (size_t i = 0; i < size;) {
    rng = rng * 1103515245u + 12345u;
    size_t n = 1 + (rng >> 8) % max_piece;
    if (n > size - i) n = size - i;
    client.on_bytes(Span<const uint8_t>(data + i, n), now);
    now += (rng >> 20) % 40;
    client.tick(now);
    i += n;
  }

  for (size_t i = 0; i < kGuard; ++i) {
    check(g_storage[i] == kPattern);
    check(g_storage[kGuard + kRx + i] == kPattern);
  }
  const zmtp::Counters& c = client.counters();
  check(c.bytes_out == sink.written);
  check(c.messages_in <= c.bytes_in / 2 + 1);  // every frame costs at least 2 bytes
  check(c.handshakes == handler.readies);
  check(c.resets == handler.resets);
  check(!client.ready() || c.handshakes > 0);
  return 0;
}
