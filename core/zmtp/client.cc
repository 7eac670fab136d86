#include "core/zmtp/client.h"

#include <cstring>

#include "core/zmtp/wire.h"

namespace fedgate::zmtp {

namespace {

// Deadlines on a wrapping millisecond counter.
bool due(uint32_t now_ms, uint32_t deadline_ms) {
  return static_cast<int32_t>(now_ms - deadline_ms) >= 0;
}

// Length of a NUL-terminated string, or limit + 1 if it is longer than `limit`.
size_t bounded_length(const char* text, size_t limit) {
  size_t n = 0;
  while (n <= limit && text[n] != '\0') ++n;
  return n;
}

bool equals(Span<const uint8_t> bytes, const char* text, size_t length) {
  return bytes.size() == length && std::memcmp(bytes.data(), text, length) == 0;
}

bool command_is(Span<const uint8_t> name, const char* text) {
  return equals(name, text, std::strlen(text));
}

constexpr uint64_t kMaxWireSize = uint64_t{1} << 63;  // RFC 23: a long size's top bit is zero

// Error messages print sizes as unsigned long: newlib-nano's printf has no %llu, and on a 32-bit
// MCU no size the client handles exceeds it.

}  // namespace

Client::Client(const Options& options, Span<uint8_t> rx_buffer, ByteSink& sink,
               FrameHandler& handler)
    : options_(options),
      rx_(rx_buffer),
      sink_(sink),
      handler_(handler),
      handshake_timeout_ms_(options.handshake_timeout_ms) {}

Status Client::check_options() const {
  if (options_.identity == nullptr) {
    return Status::error(StatusCode::kInvalidArgument, "zmtp: identity is null");
  }
  const size_t identity_length = bounded_length(options_.identity, wire::kMaxIdentityLength);
  if (identity_length > wire::kMaxIdentityLength) {
    return Status::error(StatusCode::kInvalidArgument,
                         "zmtp: identity is longer than %zu bytes (allowed 0 to %zu)",
                         wire::kMaxIdentityLength, wire::kMaxIdentityLength);
  }
  const char* types[2] = {options_.socket_type, options_.peer_socket_type};
  const char* names[2] = {"socket_type", "peer_socket_type"};
  for (int i = 0; i < 2; ++i) {
    const size_t length =
        types[i] == nullptr ? 0 : bounded_length(types[i], wire::kMaxSocketTypeLength);
    if (length == 0 || length > wire::kMaxSocketTypeLength) {
      return Status::error(StatusCode::kInvalidArgument,
                           "zmtp: %s must be 1 to %zu characters (e.g. \"DEALER\")", names[i],
                           wire::kMaxSocketTypeLength);
    }
  }
  if (options_.handshake_timeout_ms == 0 ||
      options_.max_handshake_timeout_ms < options_.handshake_timeout_ms) {
    return Status::error(StatusCode::kInvalidArgument,
                         "zmtp: handshake_timeout_ms is %u and max_handshake_timeout_ms %u; "
                         "allowed 1 <= handshake_timeout_ms <= max_handshake_timeout_ms",
                         static_cast<unsigned>(options_.handshake_timeout_ms),
                         static_cast<unsigned>(options_.max_handshake_timeout_ms));
  }
  if (options_.max_frame_bytes < kMinRxBuffer || options_.max_frame_bytes >= kMaxWireSize) {
    return Status::error(StatusCode::kInvalidArgument,
                         "zmtp: max_frame_bytes is %lu; allowed %zu to 2^63 - 1",
                         static_cast<unsigned long>(options_.max_frame_bytes), kMinRxBuffer);
  }
  if (rx_.data() == nullptr || rx_.size() < kMinRxBuffer) {
    return Status::error(StatusCode::kInvalidArgument,
                         "zmtp: rx_buffer holds %zu bytes; at least %zu are needed", rx_.size(),
                         kMinRxBuffer);
  }
  if (reinterpret_cast<uintptr_t>(rx_.data()) % kRxAlignment != 0) {
    return Status::error(StatusCode::kInvalidArgument,
                         "zmtp: rx_buffer must be %zu-byte aligned (FlatBuffers verification)",
                         kRxAlignment);
  }
  return Status::ok();
}

Status Client::start(uint32_t now_ms) {
  now_ms_ = now_ms;
  FG_TRY(check_options());
  identity_length_ = std::strlen(options_.identity);
  socket_type_length_ = std::strlen(options_.socket_type);
  handshake_timeout_ms_ = options_.handshake_timeout_ms;
  const uint32_t generation = generation_ + 1;
  reset_session(now_ms, /*greet=*/false);
  if (generation_ != generation) return Status::ok();  // on_reset() called start() itself
  return send_greeting();
}

void Client::reset_session(uint32_t now_ms, bool greet) {
  if (phase_ == Phase::kGreeting) counters_.garbage_bytes += scanner_.unmatched_bytes();
  counters_.garbage_bytes += scanner_.take_garbage();
  const bool was_ready = ready_;
  const uint32_t generation = ++generation_;
  ready_ = false;
  phase_ = Phase::kGreeting;
  scanner_.reset();
  flags_ = 0;
  size_bytes_left_ = 0;
  frame_size_ = 0;
  frame_filled_ = 0;
  skipping_multipart_ = false;
  if (tx_open_) tx_abandoned_ = true;
  tx_open_ = false;
  tx_remaining_ = 0;
  pong_pending_ = false;
  stall_timer_armed_ = false;
  arm_handshake_timer(now_ms);
  if (was_ready) {
    ++counters_.resets;
    handler_.on_reset();
    if (generation_ != generation) return;  // the handler restarted the client
  }
  if (greet) (void)send_greeting();  // a failure is handled by write(): the timer retries
}

void Client::resync(uint32_t now_ms) {
  ++counters_.resyncs;
  reset_session(now_ms, /*greet=*/true);
}

void Client::link_failed() {
  ++counters_.sink_errors;
  reset_session(now_ms_, /*greet=*/false);
}

void Client::arm_handshake_timer(uint32_t now_ms) {
  handshake_deadline_ms_ = now_ms + handshake_timeout_ms_;
  handshake_timer_armed_ = true;
}

void Client::tick(uint32_t now_ms) {
  now_ms_ = now_ms;
  if (phase_ == Phase::kIdle) return;
  if (stall_timer_armed_ && due(now_ms, stall_deadline_ms_)) {
    stall_timer_armed_ = false;
    if (phase_ == Phase::kGreeting) {
      // The peer sent its signature but not its version: it never got ours. Greet again and
      // keep reading its greeting where it is.
      ++counters_.greeting_stalls;
      if (send_greeting().is_ok()) arm_handshake_timer(now_ms);
    }
  }
  if (!ready_ && handshake_timer_armed_ && due(now_ms, handshake_deadline_ms_)) {
    ++counters_.handshake_timeouts;
    const uint64_t doubled = uint64_t{handshake_timeout_ms_} * 2;
    handshake_timeout_ms_ = doubled > options_.max_handshake_timeout_ms
                                ? options_.max_handshake_timeout_ms
                                : static_cast<uint32_t>(doubled);
    reset_session(now_ms, /*greet=*/true);
  }
}

void Client::on_bytes(Span<const uint8_t> bytes, uint32_t now_ms) {
  now_ms_ = now_ms;
  counters_.bytes_in += bytes.size();
  if (phase_ == Phase::kIdle) {
    counters_.garbage_bytes += bytes.size();
    return;
  }
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t available = bytes.size() - i;
    if (phase_ == Phase::kFrameBody) {
      const uint64_t missing = frame_size_ - frame_filled_;
      const size_t n = missing < available ? static_cast<size_t>(missing) : available;
      std::memcpy(rx_.data() + frame_filled_, bytes.data() + i, n);
      frame_filled_ += n;
      i += n;
      if (frame_filled_ == frame_size_) on_frame_complete(now_ms);
    } else if (phase_ == Phase::kFrameSkip) {
      const uint64_t missing = frame_size_ - frame_filled_;
      const size_t n = missing < available ? static_cast<size_t>(missing) : available;
      frame_filled_ += n;
      i += n;
      if (frame_filled_ == frame_size_) {
        phase_ = Phase::kFrameFlags;
        if ((flags_ & (wire::kFlagMore | wire::kFlagCommand)) == 0) skipping_multipart_ = false;
      }
    } else {
      consume(bytes[i++], now_ms);
    }
  }
}

void Client::consume(uint8_t byte, uint32_t now_ms) {
  switch (phase_) {
    case Phase::kGreeting:
      switch (scanner_.feed(byte)) {
        case GreetingScanner::Event::kSignature:
          if (options_.greeting_stall_ms > 0) {
            stall_deadline_ms_ = now_ms + options_.greeting_stall_ms;
            stall_timer_armed_ = true;
          }
          break;
        case GreetingScanner::Event::kAnchor:
          stall_timer_armed_ = false;
          counters_.garbage_bytes += scanner_.take_garbage();
          break;
        case GreetingScanner::Event::kRejected:
          counters_.garbage_bytes += scanner_.take_garbage();
          break;
        case GreetingScanner::Event::kGreeting: on_peer_greeting(now_ms); break;
        case GreetingScanner::Event::kNone: break;
      }
      break;
    case Phase::kFrameFlags: on_flags(byte, now_ms); break;
    case Phase::kFrameSize:
      frame_size_ = (frame_size_ << 8) | byte;
      if (--size_bytes_left_ == 0) on_size_complete(now_ms);
      break;
    case Phase::kIdle:
    case Phase::kFrameBody:
    case Phase::kFrameSkip: break;  // handled in on_bytes()
  }
}

void Client::on_peer_greeting(uint32_t now_ms) {
  (void)now_ms;
  ++counters_.greetings_received;
  if (!scanner_.had_full_signature()) ++counters_.partial_greetings;
  stall_timer_armed_ = false;
  phase_ = Phase::kFrameFlags;
  (void)send_ready();  // a failure is handled by write()
}

void Client::on_flags(uint8_t flags, uint32_t now_ms) {
  if (flags == 0xFF) {
    // A signature where a frame should start: the peer restarted, or the TCP connection behind
    // the bridge was re-opened. Greet again and read the new greeting from this byte on.
    ++counters_.regreetings;
    reset_session(now_ms, /*greet=*/true);
    if (phase_ == Phase::kGreeting) (void)scanner_.feed(flags);
    return;
  }
  const bool command = (flags & wire::kFlagCommand) != 0;
  if ((flags & wire::kFlagReservedMask) != 0 || (command && (flags & wire::kFlagMore) != 0)) {
    ++counters_.malformed;
    resync(now_ms);
    // The byte may be the end of a signature whose start was lost (7F): let the scanner see it.
    if (phase_ == Phase::kGreeting) (void)scanner_.feed(flags);
    return;
  }
  flags_ = flags;
  frame_size_ = 0;
  size_bytes_left_ = (flags & wire::kFlagLong) != 0 ? 8 : 1;
  phase_ = Phase::kFrameSize;
}

void Client::on_size_complete(uint32_t now_ms) {
  const bool command = (flags_ & wire::kFlagCommand) != 0;
  if (frame_size_ > options_.max_frame_bytes) {
    ++counters_.malformed;  // an absurd size: we are reading noise, not a frame header
    resync(now_ms);
    return;
  }
  if (!command && !ready_) {
    ++counters_.malformed;  // a message before READY breaks the protocol, or we lost sync
    resync(now_ms);
    return;
  }
  frame_filled_ = 0;
  bool skip = false;
  if (!command && ((flags_ & wire::kFlagMore) != 0 || skipping_multipart_)) {
    // A fedgate message is one frame: a multi-frame message is dropped whole, part by part.
    if (!skipping_multipart_) ++counters_.multipart_dropped;
    skipping_multipart_ = true;
    skip = true;
  } else if (frame_size_ > rx_.size()) {
    ++counters_.oversized;
    skip = true;
  }
  if (skip) {
    phase_ = Phase::kFrameSkip;
    if (frame_size_ == 0) {
      phase_ = Phase::kFrameFlags;
      if ((flags_ & wire::kFlagMore) == 0) skipping_multipart_ = false;
    }
    return;
  }
  phase_ = Phase::kFrameBody;
  if (frame_size_ == 0) on_frame_complete(now_ms);
}

void Client::on_frame_complete(uint32_t now_ms) {
  phase_ = Phase::kFrameFlags;  // before any callback, which may restart the client
  const Span<const uint8_t> body(rx_.data(), static_cast<size_t>(frame_size_));
  if ((flags_ & wire::kFlagCommand) != 0) {
    on_command(body, now_ms);
    return;
  }
  ++counters_.messages_in;
  handler_.on_message(body);
}

void Client::on_command(Span<const uint8_t> body, uint32_t now_ms) {
  if (body.empty() || body[0] == 0 || body[0] > body.size() - 1) {
    ++counters_.malformed;
    resync(now_ms);
    return;
  }
  const Span<const uint8_t> name = body.subspan(1, body[0]);
  const Span<const uint8_t> data = body.subspan(1 + body[0], body.size() - 1 - body[0]);
  if (command_is(name, "READY")) {
    if (ready_) {
      ++counters_.malformed;  // a second READY: ignore it
      return;
    }
    on_ready_command(data, now_ms);
  } else if (command_is(name, "ERROR")) {
    // The peer gives up on this connection and closes it; be ready for the next one.
    ++counters_.errors_received;
    reset_session(now_ms, /*greet=*/true);
  } else if (command_is(name, "PING")) {
    // RFC 37: 2-byte TTL, then up to 16 bytes of context that PONG echoes.
    if (data.size() < 2 || data.size() - 2 > wire::kMaxPingContext) {
      ++counters_.malformed;
      return;
    }
    const Span<const uint8_t> context = data.subspan(2, data.size() - 2);
    if (tx_open_) {
      std::memcpy(pending_pong_, context.data(), context.size());
      pending_pong_size_ = static_cast<uint8_t>(context.size());
      pong_pending_ = true;
    } else {
      (void)send_pong(context);
    }
  } else if (!command_is(name, "PONG")) {
    ++counters_.unknown_commands;  // SUBSCRIBE, CANCEL, anything newer: not for a DEALER
  }
}

void Client::on_ready_command(Span<const uint8_t> properties, uint32_t now_ms) {
  Span<const uint8_t> socket_type;
  bool found = false;
  if (!wire::find_property(properties, "Socket-Type", &socket_type, &found)) {
    ++counters_.malformed;
    resync(now_ms);
    return;
  }
  if (!found ||
      !equals(socket_type, options_.peer_socket_type, std::strlen(options_.peer_socket_type))) {
    ++counters_.socket_type_mismatches;
    resync(now_ms);
    return;
  }
  ready_ = true;
  ++counters_.handshakes;
  handshake_timer_armed_ = false;
  handshake_timeout_ms_ = options_.handshake_timeout_ms;
  handler_.on_ready();
}

Status Client::write(Span<const uint8_t> bytes) {
  Status status = sink_.write(bytes);
  if (!status.is_ok()) {
    link_failed();
    return Status::error(StatusCode::kUnavailable, "zmtp: writing %zu bytes failed: %s",
                         bytes.size(), status.message());
  }
  counters_.bytes_out += bytes.size();
  return Status::ok();
}

Status Client::send_greeting() {
  FG_TRY(write(Span<const uint8_t>(wire::kGreeting, wire::kGreetingSize)));
  ++counters_.greetings_sent;
  return Status::ok();
}

Status Client::send_ready() {
  // Header, "READY", Socket-Type and the Identity property's name and length in one buffer;
  // the identity bytes straight from the options.
  uint8_t buffer[wire::kMaxFrameHeader + 6 + 16 + wire::kMaxSocketTypeLength + 13];
  uint8_t header[wire::kMaxFrameHeader];
  const size_t header_size = wire::encode_frame_header(
      wire::kFlagCommand, wire::ready_body_size(socket_type_length_, identity_length_), header);
  size_t n = 0;
  std::memcpy(buffer, header, header_size);
  n += header_size;
  std::memcpy(buffer + n, "\x05READY", 6);
  n += 6;
  std::memcpy(buffer + n, "\x0BSocket-Type", 12);
  n += 12;
  wire::store_be32(static_cast<uint32_t>(socket_type_length_), buffer + n);
  n += 4;
  std::memcpy(buffer + n, options_.socket_type, socket_type_length_);
  n += socket_type_length_;
  std::memcpy(buffer + n, "\x08Identity", 9);
  n += 9;
  wire::store_be32(static_cast<uint32_t>(identity_length_), buffer + n);
  n += 4;
  FG_TRY(write(Span<const uint8_t>(buffer, n)));
  if (identity_length_ > 0) {
    FG_TRY(write(Span<const uint8_t>(reinterpret_cast<const uint8_t*>(options_.identity),
                                     identity_length_)));
  }
  return Status::ok();
}

Status Client::send_pong(Span<const uint8_t> context) {
  uint8_t buffer[2 + 5 + wire::kMaxPingContext];
  buffer[0] = wire::kFlagCommand;
  buffer[1] = static_cast<uint8_t>(5 + context.size());
  std::memcpy(buffer + 2, "\x04PONG", 5);
  if (!context.empty()) std::memcpy(buffer + 7, context.data(), context.size());
  FG_TRY(write(Span<const uint8_t>(buffer, 7 + context.size())));
  ++counters_.pings_answered;
  return Status::ok();
}

void Client::count_message_out() {
  ++counters_.messages_out;
  if (pong_pending_) {
    pong_pending_ = false;
    (void)send_pong(Span<const uint8_t>(pending_pong_, pending_pong_size_));
  }
}

Status Client::send(Span<const uint8_t> message) {
  if (!ready_) {
    return Status::error(StatusCode::kFailedPrecondition,
                         "zmtp: not connected (the handshake has not completed)");
  }
  if (tx_open_) {
    return Status::error(StatusCode::kFailedPrecondition,
                         "zmtp: a streamed message still owes %lu bytes",
                         static_cast<unsigned long>(tx_remaining_));
  }
  uint8_t header[wire::kMaxFrameHeader];
  const size_t header_size = wire::encode_frame_header(0, message.size(), header);
  // Small messages (offers, decisions) go out in one write: one packet, one UART burst.
  constexpr size_t kCoalesce = 64;
  if (header_size + message.size() <= kCoalesce) {
    uint8_t buffer[kCoalesce];
    std::memcpy(buffer, header, header_size);
    if (!message.empty()) std::memcpy(buffer + header_size, message.data(), message.size());
    FG_TRY(write(Span<const uint8_t>(buffer, header_size + message.size())));
  } else {
    FG_TRY(write(Span<const uint8_t>(header, header_size)));
    FG_TRY(write(message));
  }
  count_message_out();
  return Status::ok();
}

Status Client::begin_message(uint64_t size) {
  if (!ready_) {
    return Status::error(StatusCode::kFailedPrecondition,
                         "zmtp: not connected (the handshake has not completed)");
  }
  if (tx_open_) {
    return Status::error(StatusCode::kFailedPrecondition,
                         "zmtp: a streamed message still owes %lu bytes",
                         static_cast<unsigned long>(tx_remaining_));
  }
  if (size >= kMaxWireSize) {
    return Status::error(StatusCode::kInvalidArgument,
                         "zmtp: message size %lu; allowed 0 to 2^63 - 1",
                         static_cast<unsigned long>(size));
  }
  uint8_t header[wire::kMaxFrameHeader];
  const size_t header_size = wire::encode_frame_header(0, size, header);
  FG_TRY(write(Span<const uint8_t>(header, header_size)));
  tx_abandoned_ = false;
  if (size == 0) {
    count_message_out();
    return Status::ok();
  }
  tx_open_ = true;
  tx_remaining_ = size;
  return Status::ok();
}

Status Client::write_part(Span<const uint8_t> part) {
  if (!tx_open_) {
    return Status::error(StatusCode::kFailedPrecondition,
                         tx_abandoned_ ? "zmtp: the message was abandoned: the session was reset"
                                       : "zmtp: write_part without begin_message");
  }
  if (part.size() > tx_remaining_) {
    return Status::error(StatusCode::kInvalidArgument,
                         "zmtp: write_part of %zu bytes exceeds the %lu bytes still owed",
                         part.size(), static_cast<unsigned long>(tx_remaining_));
  }
  if (part.empty()) return Status::ok();
  FG_TRY(write(part));
  tx_remaining_ -= part.size();
  if (tx_remaining_ == 0) {
    tx_open_ = false;
    count_message_out();
  }
  return Status::ok();
}

}  // namespace fedgate::zmtp
