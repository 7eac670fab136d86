// ZmtpTransport: a ClientTransport made of core's ZMTP 3.x DEALER (core/zmtp) over a byte
// stream: a UART on the STM32, a TCP socket in host tests. Opening greets the peer; the peer's
// READY is on_connected(), a re-greeting or lost sync is on_disconnected().
//
// No heap and no exceptions: the receive frame buffer is caller-owned, the read chunk is a
// small member.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/protocol/client_transport.h"
#include "core/protocol/driver_clock.h"
#include "core/zmtp/byte_stream.h"
#include "core/zmtp/client.h"

namespace fedgate {

class ZmtpTransport final : public ClientTransport, private zmtp::FrameHandler {
 public:
  static constexpr size_t kReadChunkBytes = 128;

  // rx_frame bounds the largest message received (zmtp::Client's rules); stream, clock and
  // rx_frame must outlive the transport.
  ZmtpTransport(const zmtp::Options& options, Span<uint8_t> rx_frame, zmtp::ByteStream& stream,
                DriverClock& clock);

  Status send(Span<const uint8_t> bytes) override;
  // The head and tail go out as one long frame: a dense Update streamed from the gradient.
  Status send_parts(Span<const uint8_t> head, Span<const uint8_t> tail) override;

  bool announces_connections() const override { return true; }
  Status open(TransportEvents& events) override;
  // Reads what the stream has (waiting up to timeout_ms), feeds it to the ZMTP client, then
  // drives its handshake timers.
  void poll(uint32_t timeout_ms, TransportEvents& events) override;

  const zmtp::Client& zmtp() const { return client_; }

 private:
  void on_message(Span<const uint8_t> payload) override;
  void on_ready() override;
  void on_reset() override;

  zmtp::ByteStream& stream_;
  DriverClock& clock_;
  zmtp::Client client_;
  TransportEvents* events_ = nullptr;  // whoever opened or polled last
  uint8_t chunk_[kReadChunkBytes];
};

}  // namespace fedgate
