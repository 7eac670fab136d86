// fedgate STM32 client: the fedgate protocol (core's ClientSession) run by core's
// ClientDriver over a ZMTP 3.x DEALER (core's ZmtpTransport) on USART1, training
// softmax regression on a Fashion-MNIST shard in flash. USART2 carries the log
// (docs/deploy-stm32.md).
//
// Memory is static and sized here: the model and its gradient (2 x 31.4 KB),
// the ZMTP receive buffer (one Model chunk), a 1 KB transmit arena (a dense
// Update is streamed from the gradient as one long frame), the UART ring.
#include <cstdint>
#include <cstdio>

#include "core/protocol/client_driver.h"
#include "core/protocol/client_session.h"
#include "core/protocol/zmtp_transport.h"
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

constexpr uint32_t kModelCapacity = 7850;  // 784 x 10 softmax weights + 10 biases
constexpr size_t kRxFrameBytes = 2560;     // largest message: a 512-float Model chunk
constexpr uint32_t kMaxChunkFloats = 512;
constexpr size_t kTxArenaBytes = 1024;  // every message but the streamed Update
constexpr size_t kRingBytes = 2048;     // UART receive ring (power of two)
constexpr uint32_t kStatusEveryMs = 5000;
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

// USART1 as the ZMTP byte stream; with nothing received it sleeps until the
// next interrupt (a byte, or the 1 ms SysTick).
class UartStream final : public zmtp::ByteStream {
 public:
  Status write(Span<const uint8_t> bytes) override {
    g_link.write(bytes);
    return Status::ok();
  }
  size_t read(Span<uint8_t> into, uint32_t timeout_ms) override {
    size_t n = g_link.read(into);
    if (n == 0 && timeout_ms > 0) {
      wait_for_interrupt();
      n = g_link.read(into);
    }
    return n;
  }

 private:
  static void wait_for_interrupt() {
    __asm volatile("cpsid i" ::: "memory");
    if (!g_link.has_data()) __asm volatile("wfi");
    __asm volatile("cpsie i" ::: "memory");
  }
};

class SysTickClock final : public DriverClock {
 public:
  uint32_t now_ms() override { return millis(); }
};

// The driver's events as console lines, and when the last message arrived.
class ConsoleObserver final : public DriverObserver {
 public:
  void on_message_arrived(uint32_t) override { message_arrived_us = micros(); }
  void on_connected(uint32_t connections) override {
    console_printf("zmtp: ready (handshake %lu); registering\n",
                   static_cast<unsigned long>(connections));
  }
  void on_disconnected() override {
    console_write("zmtp: link reset (peer greeted again or lost sync)\n");
  }
  void on_silence(const SilenceEvent& event) override {
    if (event.rehandshake) {
      console_printf("coordinator silent: restarting the ZMTP handshake (next wait x%lu)\n",
                     static_cast<unsigned long>(event.next_backoff));
    } else {
      console_write("coordinator silent: registering again\n");
    }
  }

  uint64_t message_arrived_us = 0;  // when the last message was complete, before handling it
};

// What the log reports besides the session's own counters.
struct Stats {
  uint64_t offer_sent_us = 0;
  uint64_t rtt_sum_us = 0;
  uint32_t rtt_count = 0;
  uint32_t last_rtt_us = 0;
  uint32_t offer_bytes = 0;
};

void print_summary(const char* tag, const ClientSession& session, const ZmtpTransport& transport,
                   const ClientDriver& driver, const ShardSource& source, const Stats& stats) {
  const ClientCounters& c = session.counters();
  const zmtp::Counters& z = transport.zmtp().counters();
  const DriverCounters& d = driver.counters();
  console_printf(
      "%s name=%s uptime_ms=%lu state=%s version=%lu offers=%lu accepts=%lu "
      "rejects=%lu updates=%lu models=%lu registrations=%lu",
      tag, g_name, static_cast<unsigned long>(millis()), client_state_name(session.state()),
      static_cast<unsigned long>(session.model_version()), static_cast<unsigned long>(c.offers),
      static_cast<unsigned long>(c.accepts), static_cast<unsigned long>(c.rejects),
      static_cast<unsigned long>(c.updates), static_cast<unsigned long>(c.models),
      static_cast<unsigned long>(c.registrations));
  console_printf(
      " discarded=%lu unexpected=%lu errors=%lu send_failures=%lu silences=%lu "
      "rehandshakes=%lu zmtp_handshakes=%lu zmtp_resets=%lu zmtp_malformed=%lu "
      "zmtp_oversized=%lu zmtp_timeouts=%lu zmtp_garbage=%lu uart_dropped=%lu",
      static_cast<unsigned long>(c.discarded), static_cast<unsigned long>(c.unexpected),
      static_cast<unsigned long>(c.errors_received), static_cast<unsigned long>(c.send_failures),
      static_cast<unsigned long>(d.silences), static_cast<unsigned long>(d.rehandshakes),
      static_cast<unsigned long>(d.connections), static_cast<unsigned long>(z.resets),
      static_cast<unsigned long>(z.malformed), static_cast<unsigned long>(z.oversized),
      static_cast<unsigned long>(z.handshake_timeouts), static_cast<unsigned long>(z.garbage_bytes),
      static_cast<unsigned long>(g_link.dropped()));
  console_printf(
      " bytes_out=%lu bytes_in=%lu offer_bytes=%lu step_us=%lu rtt_us=%lu "
      "rtt_avg_us=%lu stack_free=%u stack_size=%u heap_requests=%lu\n",
      static_cast<unsigned long>(z.bytes_out), static_cast<unsigned long>(z.bytes_in),
      static_cast<unsigned long>(stats.offer_bytes),
      static_cast<unsigned long>(source.last_compute_us()),
      static_cast<unsigned long>(stats.last_rtt_us),
      static_cast<unsigned long>(stats.rtt_count ? stats.rtt_sum_us / stats.rtt_count : 0),
      static_cast<unsigned>(stack_untouched_bytes()), static_cast<unsigned>(stack_size_bytes()),
      static_cast<unsigned long>(heap_requests()));
}

// Log lines for what the last batch of received bytes changed.
void log_progress(const ClientCounters& before, const ClientSession& session,
                  const ConsoleObserver& observer, Stats& stats) {
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
    stats.last_rtt_us = static_cast<uint32_t>(observer.message_arrived_us - stats.offer_sent_us);
    stats.rtt_sum_us += stats.last_rtt_us;
    ++stats.rtt_count;
    stats.offer_sent_us = 0;
  }
  if (now.accepts != before.accepts) {
    console_printf("decision: accepted, update sent (rtt %lu us)\n",
                   static_cast<unsigned long>(stats.last_rtt_us));
  } else if (now.rejects != before.rejects) {
    console_printf("decision: rejected (rtt %lu us)\n",
                   static_cast<unsigned long>(stats.last_rtt_us));
  }
  if (now.registrations != before.registrations) {
    console_printf("hello #%lu sent\n", static_cast<unsigned long>(now.registrations));
  }
  if (now.discarded != before.discarded) {
    console_printf("discarded %lu message(s) that failed verification or checks\n",
                   static_cast<unsigned long>(now.discarded - before.discarded));
  }
}

}  // namespace

int run() {
  const ClockResult clock = clock_init();
  console_init(clock.apb1_hz, kConsoleBaud);
  systick_init(clock.sysclk_hz);
  std::snprintf(g_name, sizeof(g_name), "stm32-%lu", static_cast<unsigned long>(kShard.index));
  console_printf(
      "fedgate-stm32 %s board=%s clock=%luMHz (%s) shard=%lu/%lu samples=%lu "
      "stack=%u\n",
      g_name, kBoardName, static_cast<unsigned long>(clock.sysclk_hz / 1000000), clock.source,
      static_cast<unsigned long>(kShard.index), static_cast<unsigned long>(kShard.count),
      static_cast<unsigned long>(kShard.samples), static_cast<unsigned>(stack_size_bytes()));
  g_link.init(clock.apb2_hz, kLinkBaud, true);

  ShardSource source(kShard, 0x5EED0000u + kShard.index);
  UartStream stream;
  SysTickClock millis_clock;
  zmtp::Options zmtp_options;
  zmtp_options.identity = g_name;
  ZmtpTransport transport(zmtp_options, Span<uint8_t>(g_rx_frame, kRxFrameBytes), stream,
                          millis_clock);
  ClientIdentity identity;
  identity.device_class = wire::DeviceClass::Mcu;
  identity.name = g_name;
  identity.max_message_bytes = kRxFrameBytes;
  identity.max_chunk_floats = kMaxChunkFloats;
  ClientSession session(identity, Span<float>(g_model, kModelCapacity),
                        Span<float>(g_gradient, kModelCapacity),
                        Span<uint8_t>(g_tx_arena, kTxArenaBytes), source, transport);
  // A coordinator that went silent: register again, then re-handshake the ZMTP
  // stream too, with a timeout growing to 8x.
  ConsoleObserver observer;
  ClientDriver driver(session, transport, millis_clock, handshaking_link_options(), &observer);

  Stats stats;
  uint32_t next_status_ms = kStatusEveryMs;
  bool reported_end = false;
  uint32_t ended_ms = 0;
  const Status started = driver.start();
  if (!started.is_ok()) console_printf("zmtp: %s\n", started.message());

  for (;;) {
    const ClientCounters before = session.counters();
    // Sleeps for at most one interrupt: the status line and the reset below keep their times.
    const Status status = driver.step(1);
    if (!status.is_ok()) console_printf("session: %s\n", status.message());
    log_progress(before, session, observer, stats);
    const uint32_t now = millis();

    if (static_cast<int32_t>(now - next_status_ms) >= 0) {
      next_status_ms = now + kStatusEveryMs;
      print_summary("FEDGATE-STATUS", session, transport, driver, source, stats);
    }
    if (session.done() && !reported_end) {
      reported_end = true;
      ended_ms = now;
      console_printf("session ended: %s\n", session.final_message());
      print_summary("FEDGATE-SUMMARY", session, transport, driver, source, stats);
      console_printf("resetting in %lu s to join the next run\n",
                     static_cast<unsigned long>(kRejoinAfterEndMs / 1000));
    }
    if (reported_end && now - ended_ms >= kRejoinAfterEndMs) {
      reg(kScbAircr) = (0x5FAu << 16) | (1u << 2);  // SYSRESETREQ
    }
  }
}

}  // namespace fedgate::stm32

extern "C" void USART1_IRQHandler() { fedgate::stm32::g_link.on_interrupt(); }

extern "C" int app_main() { return fedgate::stm32::run(); }
