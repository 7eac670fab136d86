// ZmqLink: the Linux client's transport, a cppzmq DEALER socket. libzmq
// reconnects the TCP connection by itself (with backoff), so the link never
// announces connections; the driver re-registers when the coordinator stays
// silent.
#pragma once

#include <string>

#include <zmq.hpp>

#include "core/protocol/aligned_message.h"
#include "core/protocol/client_transport.h"

namespace fedgate {

class ZmqLink final : public ClientTransport {
 public:
  // Throws zmq::error_t for a malformed endpoint.
  ZmqLink(zmq::context_t& context, const std::string& endpoint, const std::string& identity,
          int64_t max_message_bytes);

  // kUnavailable when no connection is up (nothing is queued for later: the
  // session resends what matters after re-registering).
  Status send(Span<const uint8_t> bytes) override;

  bool announces_connections() const override { return false; }
  // The socket connected in the constructor and libzmq keeps it connected; this
  // waits (boundedly) until that first connection is up, so the first Hello is
  // not refused by ZMQ_IMMEDIATE (docs/protocol.md, section 10).
  Status open(TransportEvents&) override;
  // Hands the next message (if one comes within timeout_ms) to `events`.
  void poll(uint32_t timeout_ms, TransportEvents& events) override;

 private:
  zmq::socket_t socket_;
  zmq::message_t message_;
  AlignedMessage aligned_;
};

}  // namespace fedgate
