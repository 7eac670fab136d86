// A POSIX TCP socket as the client's byte stream (tests and benchmarks only): what a UART plus a
// socat/ser2net bridge, or an Ethernet MCU's socket, is to the firmware.
#pragma once

#include <cstdint>
#include <string>

#include "core/zmtp/byte_stream.h"
#include "core/zmtp/client.h"

namespace fedgate::zmtp::testing {

class TcpLink : public ByteStream {
 public:
  explicit TcpLink(std::string endpoint);  // "tcp://127.0.0.1:PORT"
  ~TcpLink();
  TcpLink(const TcpLink&) = delete;
  TcpLink& operator=(const TcpLink&) = delete;

  // Connects, retrying every 10 ms until timeout_ms has passed (the peer may still be binding).
  bool connect(int timeout_ms);
  void close();
  bool connected() const { return fd_ >= 0; }

  // All bytes or an error. While disconnected: an error, unless drop_while_disconnected (then
  // the bytes vanish, as with QEMU's reconnecting chardev before the server is up).
  Status write(Span<const uint8_t> bytes) override;

  // Waits up to timeout_ms for bytes and feeds what arrived to `client`. Returns the number of
  // bytes read, 0 if none came, -1 if the connection closed (the link is then disconnected).
  int pump(Client& client, int timeout_ms, uint32_t now_ms);

  // ByteStream: what arrived within timeout_ms. A closed connection reads as nothing; with
  // reconnect_when_closed the next read connects again, as a serial bridge would.
  size_t read(Span<uint8_t> into, uint32_t timeout_ms) override;

  bool drop_while_disconnected = false;
  // Bytes to discard from the start of the next connection's input: a UART enabled late.
  size_t drop_first_bytes = 0;
  bool reconnect_when_closed = false;

 private:
  // Bytes read into `into` (after drop_first_bytes), 0 if none came, -1 if the connection closed.
  int receive(Span<uint8_t> into, int timeout_ms);

  std::string host_;
  int port_ = 0;
  int fd_ = -1;
  size_t to_drop_ = 0;
};

// Milliseconds since the first call (a monotonic clock for the client's timers).
uint32_t monotonic_ms();

}  // namespace fedgate::zmtp::testing
