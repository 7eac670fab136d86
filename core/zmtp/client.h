// Client: a ZMTP 3.x DEALER over an abstract byte stream, for microcontrollers and host tests.
//
// Speaks ZeroMQ's wire protocol (RFC 23 ZMTP 3.0 / RFC 37 ZMTP 3.1) with the NULL mechanism, so a
// libzmq ROUTER sees an ordinary DEALER peer with routing id = Options::identity. Built for the
// host and for Cortex-M4 (-fno-exceptions -fno-rtti): no heap, no libzmq, no std::string; all
// memory is caller-owned and the object itself is a few hundred bytes.
//
//   start()                      sends our greeting, resets the parser
//   peer greeting (tolerant)  -> sends READY(Socket-Type, Identity)
//   peer READY (Socket-Type)  -> ready(), FrameHandler::on_ready()
//   message frames            -> FrameHandler::on_message(), send()/begin_message()+write_part()
//
// Robustness (docs/protocol.md, section 1.1):
//  - The peer's greeting is recognised even when its first bytes were lost (a UART enabled after
//    libzmq sent its signature): the parser anchors on version 3 followed by "NULL".
//  - A fresh greeting (0xFF) where a frame header is expected means the peer restarted or its TCP
//    connection behind a bridge was re-opened: reset, on_reset(), greet again.
//  - Malformed bytes (reserved flag bits, a size beyond Options::max_frame_bytes, a command where
//    none may be) restart the handshake; a frame larger than the receive buffer is skipped byte by
//    byte, never buffered, and counted.
//  - No READY within the handshake timeout: greet again, doubling the timeout up to a ceiling.
//
// Use on a board (the UART's interrupt fills `ring`; `millis()` is a SysTick counter):
//
//   alignas(8) static uint8_t rx[4096];
//   zmtp::Options options;
//   options.identity = "stm32-1";
//   static zmtp::Client client(options, Span<uint8_t>(rx, sizeof(rx)), uart_sink, session);
//   (void)client.start(millis());        // tick() retries if the UART write failed
//   for (;;) {
//     uint8_t chunk[64];
//     size_t n;
//     while ((n = ring.pop(chunk, sizeof(chunk))) > 0) {  // everything received, then tick()
//       client.on_bytes(Span<const uint8_t>(chunk, n), millis());
//     }
//     client.tick(millis());
//     // session.on_ready() sends Hello; on_message() hands payloads to the protocol session,
//     // which replies with client.send(); its silence timeout calls client.start(millis()).
//   }
//
// Threading: not thread- or interrupt-safe. Call every method from one context (a UART interrupt
// fills a ring buffer; the main loop feeds it to on_bytes()). Times are a free-running millisecond
// counter that may wrap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/zmtp/byte_sink.h"
#include "core/zmtp/frame_handler.h"
#include "core/zmtp/greeting_scanner.h"

namespace fedgate::zmtp {

struct Options {
  // Our routing id, sent as the READY property "Identity": 1 to 255 bytes, NUL-terminated here.
  // Must not start with a zero byte (libzmq reserves those). The string must outlive the Client.
  const char* identity = "";
  const char* socket_type = "DEALER";       // our READY "Socket-Type"
  const char* peer_socket_type = "ROUTER";  // the only peer Socket-Type accepted
  // No peer READY this long after our greeting: greet again. Each consecutive timeout doubles the
  // wait, up to max_handshake_timeout_ms; a completed handshake resets it.
  uint32_t handshake_timeout_ms = 1000;
  uint32_t max_handshake_timeout_ms = 16000;
  // The peer's full signature arrived but not its version byte this long after: libzmq sends the
  // version only once it has our signature, so ours was lost (sent while no TCP connection was
  // behind the bridge). Greet again. 0 disables this and leaves it to the handshake timeout.
  uint32_t greeting_stall_ms = 250;
  // A frame announcing more than this many bytes is taken as lost sync (restart the handshake);
  // a frame up to this size that does not fit the receive buffer is skipped and counted.
  uint64_t max_frame_bytes = uint64_t{1} << 24;
};

// Every event the client saw, since construction. Monotonic; never reset by start().
struct Counters {
  uint32_t greetings_sent = 0;      // our greeting written (start, re-handshake, timeout, stall)
  uint32_t greetings_received = 0;  // peer greetings accepted
  uint32_t partial_greetings = 0;   //   ... of which the signature start was missing or partial
  uint32_t handshakes = 0;          // peer READY accepted: ready() became true
  uint32_t resets = 0;              // on_reset() calls
  uint32_t regreetings = 0;         // a fresh peer greeting where a frame header was expected
  uint32_t resyncs = 0;             // handshake restarted after malformed bytes
  uint32_t malformed = 0;           // malformed frames or commands seen
  uint32_t oversized = 0;           // frames larger than the receive buffer, skipped
  uint32_t multipart_dropped = 0;   // multi-frame messages, dropped whole (fedgate uses one frame)
  uint32_t socket_type_mismatches = 0;  // peer READY with another Socket-Type
  uint32_t errors_received = 0;         // ERROR commands from the peer
  uint32_t pings_answered = 0;          // PING commands answered with PONG
  uint32_t unknown_commands = 0;        // other commands, ignored
  uint32_t handshake_timeouts = 0;      // no READY in time
  uint32_t greeting_stalls = 0;  // greeting re-sent because the peer's stopped after its signature
  uint32_t sink_errors = 0;      // ByteSink::write failures
  uint32_t messages_in = 0;      // messages delivered to on_message()
  uint32_t messages_out = 0;     // messages completely written
  uint64_t bytes_in = 0;         // every byte fed to on_bytes()
  uint64_t bytes_out = 0;        // every byte written to the sink
  uint64_t garbage_bytes = 0;    // bytes discarded while looking for a greeting
};

class Client {
 public:
  static constexpr size_t kMinRxBuffer = 64;  // holds a libzmq ROUTER's READY (41 bytes)
  static constexpr size_t kRxAlignment = 8;   // FlatBuffers verification needs it

  // rx_buffer: caller-owned, kRxAlignment-aligned, at least kMinRxBuffer bytes; it bounds the
  // largest message frame (and command) the client delivers. sink, handler and rx_buffer must
  // outlive the Client. Nothing is sent until start().
  Client(const Options& options, Span<uint8_t> rx_buffer, ByteSink& sink, FrameHandler& handler);
  Client(const Client&) = delete;  // one client per stream
  Client& operator=(const Client&) = delete;

  // Checks the options and the buffer (kInvalidArgument names the offender), resets the parser,
  // the handshake timeout (and its backoff) and any message being streamed, and sends our
  // greeting. Call it at boot
  // and whenever the layer above decides the link is dead (e.g. its silence timeout); calls
  // on_reset() first if a session was ready. Returns the sink's error if the greeting could not be
  // written (tick() retries after the handshake timeout).
  Status start(uint32_t now_ms);

  // Feeds received bytes, split anywhere. Every byte is consumed; nothing is buffered beyond
  // rx_buffer. Calls the handler synchronously.
  void on_bytes(Span<const uint8_t> bytes, uint32_t now_ms);

  // Drives the handshake timeout (with backoff) and the greeting stall timer. Call it often
  // (every few ms, or from the main loop); it does nothing when there is nothing to time.
  // Feed every byte already received to on_bytes() first: a tick() after a long computation
  // with the peer's version byte still in a receive ring would see a stall that is not there.
  void tick(uint32_t now_ms);

  // The handshake completed and send() may be used.
  bool ready() const { return ready_; }

  // Sends one single-frame message (short frame up to 255 bytes, long frame beyond).
  // kFailedPrecondition: not ready, or a streamed message is unfinished. kUnavailable: the sink
  // failed (the client restarts the handshake).
  Status send(Span<const uint8_t> message);

  // Streams one single-frame message larger than any buffer: the frame header now, then
  // write_part() pieces whose sizes must add up to exactly `size`. The message is complete when
  // they do. A re-handshake in between abandons it (write_part() then fails with
  // kFailedPrecondition). PONG replies wait until the message is complete.
  Status begin_message(uint64_t size);
  Status write_part(Span<const uint8_t> part);
  // Bytes still owed by the message begun with begin_message() (0 when none is open).
  uint64_t pending_part_bytes() const { return tx_remaining_; }

  const Counters& counters() const { return counters_; }

 private:
  enum class Phase : uint8_t {
    kIdle,        // before start()
    kGreeting,    // looking for / reading the peer's greeting
    kFrameFlags,  // expecting a frame's flags byte
    kFrameSize,   // reading a 1- or 8-byte size
    kFrameBody,   // reading a frame into rx_buffer
    kFrameSkip,   // discarding a frame (oversized or part of a multipart message)
  };

  void consume(uint8_t byte, uint32_t now_ms);
  void on_flags(uint8_t flags, uint32_t now_ms);
  void on_size_complete(uint32_t now_ms);
  void on_frame_complete(uint32_t now_ms);
  void on_command(Span<const uint8_t> body, uint32_t now_ms);
  void on_ready_command(Span<const uint8_t> properties, uint32_t now_ms);
  void on_peer_greeting(uint32_t now_ms);
  // Drops the session (on_reset() if it was ready), resets the parser and the outgoing message,
  // re-arms the handshake timer and, with `greet`, sends our greeting again.
  void reset_session(uint32_t now_ms, bool greet);
  // The stream lost sync: count it and start over.
  void resync(uint32_t now_ms);
  // The sink failed: drop the session; the handshake timer greets again later.
  void link_failed();
  void arm_handshake_timer(uint32_t now_ms);
  Status check_options() const;
  Status send_greeting();
  Status send_ready();
  Status send_pong(Span<const uint8_t> context);
  Status write(Span<const uint8_t> bytes);
  void count_message_out();

  Options options_;
  Span<uint8_t> rx_;
  ByteSink& sink_;
  FrameHandler& handler_;
  Counters counters_;
  GreetingScanner scanner_;

  Phase phase_ = Phase::kIdle;
  bool ready_ = false;
  uint8_t flags_ = 0;  // flags of the frame being read
  uint8_t size_bytes_left_ = 0;
  uint64_t frame_size_ = 0;
  uint64_t frame_filled_ = 0;        // body bytes read (or skipped) so far
  bool skipping_multipart_ = false;  // a MORE frame was seen: drop until the last part
  uint32_t generation_ = 0;          // bumped by every reset, so callbacks that restart are noticed

  uint32_t handshake_deadline_ms_ = 0;
  uint32_t handshake_timeout_ms_ = 0;  // current, with backoff
  bool handshake_timer_armed_ = false;
  uint32_t stall_deadline_ms_ = 0;
  bool stall_timer_armed_ = false;
  uint32_t now_ms_ = 0;

  uint64_t tx_remaining_ = 0;  // bytes owed by a streamed message
  bool tx_open_ = false;
  bool tx_abandoned_ = false;      // a reset dropped the message being streamed
  uint8_t pending_pong_[16] = {};  // PING context to echo once the streamed message is done
  uint8_t pending_pong_size_ = 0;
  bool pong_pending_ = false;
  size_t identity_length_ = 0;
  size_t socket_type_length_ = 0;
};

}  // namespace fedgate::zmtp
