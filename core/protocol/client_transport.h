// ClientTransport: the narrow link a ClientDriver runs a ClientSession over. Sending is the
// session's Outbox (one message, or one message in two parts); receiving is poll() with a
// timeout, which hands what arrived to TransportEvents. Two implementations: a cppzmq DEALER
// (firmware/linux/zmq_link.h) and core's ZMTP client over a byte stream (zmtp_transport.h).
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/protocol/client_session.h"

namespace fedgate {

// What a transport reports from open() and poll().
class TransportEvents {
 public:
  // One complete message, kMessageAlignment-aligned, valid only during the call.
  virtual void on_message(Span<const uint8_t> bytes) = 0;
  // A link to the peer is (again) up: register now. Only transports that
  // announces_connections() call it.
  virtual void on_connected() = 0;
  // The link on_connected() announced is gone; what was in flight is stale.
  virtual void on_disconnected() = 0;

 protected:
  ~TransportEvents() = default;
};

class ClientTransport : public Outbox {
 public:
  // True when the link has a handshake of its own (ZMTP) that ends in on_connected(); false when
  // a library reconnects underneath (libzmq) and the session may send at once.
  virtual bool announces_connections() const = 0;
  // Starts the link, or starts it over (a fresh handshake) when the peer went silent.
  virtual Status open(TransportEvents& events) = 0;
  // Waits up to timeout_ms for input and hands whatever completed to `events`. May return early
  // (a partial message, a timer to drive); the caller polls again.
  virtual void poll(uint32_t timeout_ms, TransportEvents& events) = 0;
};

}  // namespace fedgate
