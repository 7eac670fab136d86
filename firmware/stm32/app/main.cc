// fedgate STM32 client: the fedgate protocol (core's ClientSession) over a ZMTP
// 3.x DEALER (core's zmtp::Client) on USART1, training softmax regression on a
// Fashion-MNIST shard in flash. USART2 carries the log (docs/deploy-stm32.md).
//
// Memory is static and sized here: the model and its gradient (2 x 31.4 KB),
// the ZMTP receive buffer (one Model chunk), a 1 KB transmit arena (a dense
// Update is streamed from the gradient as one long frame), the UART ring.
#include <cstdint>
#include <cstdio>

#include "core/protocol/client_session.h"
#include "core/zmtp/client.h"
#include "firmware/stm32/app/shard.h"
#include "firmware/stm32/app/shard_source.h"
#include "firmware/stm32/board/board.h"
#include "firmware/stm32/board/clock.h"
#include "firmware/stm32/board/console.h"
#include "firmware/stm32/board/registers.h"
#include "firmware/stm32/board/runtime.h"
#include "firmware/stm32/board/stack.h"
#include "firmware/stm32/board/usart.h"

namespace fedgate::stm32 {
namespace {

constexpr uint32_t kModelCapacity = 7850;      // 784 x 10 softmax weights + 10 biases
constexpr size_t kRxFrameBytes = 2560;         // largest message: a 512-float Model chunk
constexpr uint32_t kMaxChunkFloats = 512;
constexpr size_t kTxArenaBytes = 1024;         // every message but the streamed Update
constexpr size_t kRingBytes = 2048;            // UART receive ring (power of two)
constexpr uint32_t kStatusEveryMs = 5000;
constexpr uint32_t kMaxSilenceBackoff = 8;     // silence timeout grows to 8x, then stays
// After the coordinator's Bye (or a refusal) the board has no supervisor to start it again:
// it resets itself after this long and joins the next run.
constexpr uint32_t kRejoinAfterEndMs = 30000;

alignas(8) uint8_t g_rx_frame[kRxFrameBytes];
alignas(8) uint8_t g_tx_arena[kTxArenaBytes];
uint8_t g_ring[kRingBytes];
float g_model[kModelCapacity];
float g_gradient[kModelCapacity];
char g_name[16];

Usart g_link(kUsart1, Span<uint8_t>(g_ring, kRingBytes));

class UartSink final : public zmtp::ByteSink {
 public:
  Status write(Span<const uint8_t> bytes) override {
    g_link.write(bytes);
    return Status::ok();
  }
};

// Joins the two layers: the session sends through the ZMTP client, the ZMTP
// client delivers frames to the session.
class Link final : public Outbox, public zmtp::FrameHandler {
 public:
  void attach(zmtp::Client* client, ClientSession* session) {
    client_ = client;
    session_ = session;
  }

  Status send(Span<const uint8_t> bytes) override {
    if (!client_->ready()) return Status::error(StatusCode::kUnavailable, "zmtp not ready");
    return client_->send(bytes);
  }
  Status send_parts(Span<const uint8_t> head, Span<const uint8_t> tail) override {
    if (!client_->ready()) return Status::error(StatusCode::kUnavailable, "zmtp not ready");
    FG_TRY(client_->begin_message(head.size() + tail.size()));
    FG_TRY(client_->write_part(head));
    return client_->write_part(tail);
  }

  void on_message(Span<const uint8_t> payload) override {
    last_rx_ms = millis();
    message_arrived_us = micros();
    silences_in_a_row = 0;
    if (session_->done()) return;
    const Status status = session_->on_message(payload);
    if (!status.is_ok()) console_printf("session: %s\n", status.message());
  }
  void on_ready() override {
    ++handshakes;
    console_printf("zmtp: ready (handshake %lu); registering\n",
                   static_cast<unsigned long>(handshakes));
    last_rx_ms = millis();
    if (!session_->done()) {
      const Status status = session_->start();
      if (!status.is_ok()) console_printf("session: %s\n", status.message());
    }
  }
  void on_reset() override { console_write("zmtp: link reset (peer greeted again or lost sync)\n"); }

  uint32_t last_rx_ms = 0;
  uint64_t message_arrived_us = 0;  // when the last message was complete, before handling it
  uint32_t silences_in_a_row = 0;
  uint32_t handshakes = 0;

 private:
  zmtp::Client* client_ = nullptr;
  ClientSession* session_ = nullptr;
};

// What the log reports besides the session's own counters.
struct Stats {
  uint32_t silences = 0;
  uint32_t rehandshakes = 0;
  uint64_t offer_sent_us = 0;
  uint64_t rtt_sum_us = 0;
  uint32_t rtt_count = 0;
  uint32_t last_rtt_us = 0;
  uint32_t offer_bytes = 0;
};

void print_summary(const char* tag, const ClientSession& session, const zmtp::Client& client,
                   const Link& link, const ShardSource& source, const Stats& stats) {
  const ClientCounters& c = session.counters();
  const zmtp::Counters& z = client.counters();
  console_printf("%s name=%s uptime_ms=%lu state=%s version=%lu offers=%lu accepts=%lu "
                 "rejects=%lu updates=%lu models=%lu registrations=%lu",
                 tag, g_name, static_cast<unsigned long>(millis()),
                 client_state_name(session.state()),
                 static_cast<unsigned long>(session.model_version()),
                 static_cast<unsigned long>(c.offers), static_cast<unsigned long>(c.accepts),
                 static_cast<unsigned long>(c.rejects), static_cast<unsigned long>(c.updates),
                 static_cast<unsigned long>(c.models), static_cast<unsigned long>(c.registrations));
  console_printf(" discarded=%lu unexpected=%lu errors=%lu send_failures=%lu silences=%lu "
                 "rehandshakes=%lu zmtp_handshakes=%lu zmtp_resets=%lu zmtp_malformed=%lu "
                 "zmtp_oversized=%lu zmtp_timeouts=%lu zmtp_garbage=%lu uart_dropped=%lu",
                 static_cast<unsigned long>(c.discarded), static_cast<unsigned long>(c.unexpected),
                 static_cast<unsigned long>(c.errors_received),
                 static_cast<unsigned long>(c.send_failures),
                 static_cast<unsigned long>(stats.silences),
                 static_cast<unsigned long>(stats.rehandshakes),
                 static_cast<unsigned long>(link.handshakes), static_cast<unsigned long>(z.resets),
                 static_cast<unsigned long>(z.malformed), static_cast<unsigned long>(z.oversized),
                 static_cast<unsigned long>(z.handshake_timeouts),
                 static_cast<unsigned long>(z.garbage_bytes),
                 static_cast<unsigned long>(g_link.dropped()));
  console_printf(" bytes_out=%lu bytes_in=%lu offer_bytes=%lu step_us=%lu rtt_us=%lu "
                 "rtt_avg_us=%lu stack_free=%u stack_size=%u heap_requests=%lu\n",
                 static_cast<unsigned long>(z.bytes_out), static_cast<unsigned long>(z.bytes_in),
                 static_cast<unsigned long>(stats.offer_bytes),
                 static_cast<unsigned long>(source.last_compute_us()),
                 static_cast<unsigned long>(stats.last_rtt_us),
                 static_cast<unsigned long>(stats.rtt_count ? stats.rtt_sum_us / stats.rtt_count : 0),
                 static_cast<unsigned>(stack_untouched_bytes()),
                 static_cast<unsigned>(stack_size_bytes()),
                 static_cast<unsigned long>(heap_requests()));
}

// Log lines for what the last batch of received bytes changed.
void log_progress(const ClientCounters& before, const ClientSession& session, const Link& link,
                  Stats& stats) {
  const ClientCounters& now = session.counters();
  if (now.models != before.models) {
    console_printf("model v%lu complete\n", static_cast<unsigned long>(session.model_version()));
  }
  if (now.offers != before.offers) {
    stats.offer_sent_us = micros();
    // The offer is the last message sent; +2: its ZMTP short-frame header.
    stats.offer_bytes = static_cast<uint32_t>(now.bytes_sent - before.bytes_sent) + 2;
    console_printf("offer v%lu (%lu bytes on the wire)\n",
                   static_cast<unsigned long>(session.model_version()),
                   static_cast<unsigned long>(stats.offer_bytes));
  }
  const bool decided = now.accepts != before.accepts || now.rejects != before.rejects;
  if (decided && stats.offer_sent_us != 0) {
    // Offer sent -> Decision received (not counting the Update it triggers).
    stats.last_rtt_us = static_cast<uint32_t>(link.message_arrived_us - stats.offer_sent_us);
    stats.rtt_sum_us += stats.last_rtt_us;
    ++stats.rtt_count;
    stats.offer_sent_us = 0;
  }
  if (now.accepts != before.accepts) {
    console_printf("decision: accepted, update sent (rtt %lu us)\n",
                   static_cast<unsigned long>(stats.last_rtt_us));
  } else if (now.rejects != before.rejects) {
    console_printf("decision: rejected (rtt %lu us)\n", static_cast<unsigned long>(stats.last_rtt_us));
  }
  if (now.registrations != before.registrations) {
    console_printf("hello #%lu sent\n", static_cast<unsigned long>(now.registrations));
  }
  if (now.discarded != before.discarded) {
    console_printf("discarded %lu message(s) that failed verification or checks\n",
                   static_cast<unsigned long>(now.discarded - before.discarded));
  }
}

void wait_for_interrupt() {
  __asm volatile("cpsid i" ::: "memory");
  if (!g_link.has_data()) __asm volatile("wfi");
  __asm volatile("cpsie i" ::: "memory");
}

}  // namespace

int run() {
  const ClockResult clock = clock_init();
  console_init(clock.apb1_hz, kConsoleBaud);
  systick_init(clock.sysclk_hz);
  std::snprintf(g_name, sizeof(g_name), "stm32-%lu", static_cast<unsigned long>(kShard.index));
  console_printf("fedgate-stm32 %s board=%s clock=%luMHz (%s) shard=%lu/%lu samples=%lu "
                 "stack=%u\n",
                 g_name, kBoardName, static_cast<unsigned long>(clock.sysclk_hz / 1000000),
                 clock.source, static_cast<unsigned long>(kShard.index),
                 static_cast<unsigned long>(kShard.count),
                 static_cast<unsigned long>(kShard.samples),
                 static_cast<unsigned>(stack_size_bytes()));
  g_link.init(clock.apb2_hz, kLinkBaud, true);

  ShardSource source(kShard, 0x5EED0000u + kShard.index);
  Link link;
  UartSink sink;
  zmtp::Options options;
  options.identity = g_name;
  zmtp::Client client(options, Span<uint8_t>(g_rx_frame, kRxFrameBytes), sink, link);
  ClientIdentity identity;
  identity.device_class = wire::DeviceClass::Mcu;
  identity.name = g_name;
  identity.max_message_bytes = kRxFrameBytes;
  identity.max_chunk_floats = kMaxChunkFloats;
  ClientSession session(identity, Span<float>(g_model, kModelCapacity),
                        Span<float>(g_gradient, kModelCapacity),
                        Span<uint8_t>(g_tx_arena, kTxArenaBytes), source, link);
  link.attach(&client, &session);

  Stats stats;
  uint32_t backoff = 1;
  uint32_t next_status_ms = kStatusEveryMs;
  bool reported_end = false;
  uint32_t ended_ms = 0;
  const Status started = client.start(millis());
  if (!started.is_ok()) console_printf("zmtp: %s\n", started.message());

  for (;;) {
    uint8_t bytes[128];
    const size_t n = g_link.read(Span<uint8_t>(bytes, sizeof(bytes)));
    if (n > 0) {
      const ClientCounters before = session.counters();
      client.on_bytes(Span<const uint8_t>(bytes, n), millis());
      log_progress(before, session, link, stats);
      if (link.silences_in_a_row == 0) backoff = 1;
    }
    // Read after the bytes were handled: their callbacks move last_rx_ms forward.
    const uint32_t now = millis();
    client.tick(now);

    // A coordinator that went silent: register again, then re-handshake the
    // ZMTP stream too, with a growing timeout.
    if (client.ready() && !session.done() &&
        static_cast<int32_t>(now - link.last_rx_ms) >
            static_cast<int32_t>(session.silence_timeout_ms() * backoff)) {
      ++stats.silences;
      ++link.silences_in_a_row;
      link.last_rx_ms = now;
      if (backoff < kMaxSilenceBackoff) backoff *= 2;
      if (link.silences_in_a_row >= 2) {
        ++stats.rehandshakes;
        console_printf("coordinator silent: restarting the ZMTP handshake (next wait x%lu)\n",
                       static_cast<unsigned long>(backoff));
        (void)client.start(now);
      } else {
        console_write("coordinator silent: registering again\n");
        const ClientCounters before = session.counters();
        (void)session.on_silence();
        log_progress(before, session, link, stats);
      }
    }

    if (static_cast<int32_t>(now - next_status_ms) >= 0) {
      next_status_ms = now + kStatusEveryMs;
      print_summary("FEDGATE-STATUS", session, client, link, source, stats);
    }
    if (session.done() && !reported_end) {
      reported_end = true;
      ended_ms = now;
      console_printf("session ended: %s\n", session.final_message());
      print_summary("FEDGATE-SUMMARY", session, client, link, source, stats);
      console_printf("resetting in %lu s to join the next run\n",
                     static_cast<unsigned long>(kRejoinAfterEndMs / 1000));
    }
    if (reported_end && now - ended_ms >= kRejoinAfterEndMs) {
      reg(kScbAircr) = (0x5FAu << 16) | (1u << 2);  // SYSRESETREQ
    }
    if (!g_link.has_data()) wait_for_interrupt();
  }
}

}  // namespace fedgate::stm32

extern "C" void USART1_IRQHandler() { fedgate::stm32::g_link.on_interrupt(); }

extern "C" int app_main() { return fedgate::stm32::run(); }
