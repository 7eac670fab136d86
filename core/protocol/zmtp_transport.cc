#include "core/protocol/zmtp_transport.h"

namespace fedgate {

ZmtpTransport::ZmtpTransport(const zmtp::Options& options, Span<uint8_t> rx_frame,
                             zmtp::ByteStream& stream, DriverClock& clock)
    : stream_(stream), clock_(clock), client_(options, rx_frame, stream, *this) {}

Status ZmtpTransport::send(Span<const uint8_t> bytes) {
  if (!client_.ready()) return Status::error(StatusCode::kUnavailable, "zmtp not ready");
  return client_.send(bytes);
}

Status ZmtpTransport::send_parts(Span<const uint8_t> head, Span<const uint8_t> tail) {
  if (!client_.ready()) return Status::error(StatusCode::kUnavailable, "zmtp not ready");
  FG_TRY(client_.begin_message(head.size() + tail.size()));
  FG_TRY(client_.write_part(head));
  return client_.write_part(tail);
}

Status ZmtpTransport::open(TransportEvents& events) {
  events_ = &events;
  return client_.start(clock_.now_ms());
}

void ZmtpTransport::poll(uint32_t timeout_ms, TransportEvents& events) {
  events_ = &events;
  const size_t n = stream_.read(Span<uint8_t>(chunk_, sizeof(chunk_)), timeout_ms);
  if (n > 0) client_.on_bytes(Span<const uint8_t>(chunk_, n), clock_.now_ms());
  // After the bytes: their callbacks may have moved the timers.
  client_.tick(clock_.now_ms());
}

void ZmtpTransport::on_message(Span<const uint8_t> payload) {
  if (events_ != nullptr) events_->on_message(payload);
}

void ZmtpTransport::on_ready() {
  if (events_ != nullptr) events_->on_connected();
}

void ZmtpTransport::on_reset() {
  if (events_ != nullptr) events_->on_disconnected();
}

}  // namespace fedgate
