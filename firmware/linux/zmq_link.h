// ZmqLink: the Linux client's transport, a cppzmq DEALER socket. libzmq
// reconnects the TCP connection by itself (with backoff), so the link never
// announces connections; the driver re-registers when the coordinator stays
// silent, and after several silences re-opens the link: a fresh socket and TCP
// connection (a connection the coordinator no longer reads, e.g. after
// libzmq's routing-id handover, never recovers by itself).
#pragma once

#include <memory>
#include <string>

#include <zmq.hpp>

#include "core/protocol/aligned_message.h"
#include "core/protocol/client_transport.h"

namespace fedgate {

// CURVE on the client's side (docs/security.md): its own key pair and the
// coordinator's public key, all Z85. Empty server_public_key: NULL mechanism.
struct CurveClientKeys {
  std::string server_public_key;
  std::string public_key;
  std::string secret_key;
};

class ZmqLink final : public ClientTransport {
 public:
  // `identity` is the routing id; empty: the coordinator's ROUTER assigns one per
  // connection (what fedgate-client does). Throws zmq::error_t for a malformed
  // endpoint or key.
  ZmqLink(zmq::context_t& context, const std::string& endpoint, const std::string& identity,
          int64_t max_message_bytes, const CurveClientKeys& curve = {});

  // kUnavailable when no connection is up (nothing is queued for later: the
  // session resends what matters after re-registering).
  Status send(Span<const uint8_t> bytes) override;

  bool announces_connections() const override { return false; }
  // The first call keeps the socket the constructor connected; every later one
  // (the driver's re-open after repeated silence) replaces it with a new one.
  // Either way it waits (boundedly) until the connection is up, so the first
  // Hello is not refused by ZMQ_IMMEDIATE (docs/protocol.md, section 10).
  Status open(TransportEvents&) override;
  // Hands the next message (if one comes within timeout_ms) to `events`.
  void poll(uint32_t timeout_ms, TransportEvents& events) override;

  uint32_t reconnects() const { return reconnects_; }

 private:
  void connect_socket();

  zmq::context_t& context_;
  std::string endpoint_;
  std::string identity_;
  int64_t max_message_bytes_;
  CurveClientKeys curve_;
  std::unique_ptr<zmq::socket_t> socket_;
  bool opened_ = false;
  uint32_t reconnects_ = 0;
  zmq::message_t message_;
  AlignedMessage aligned_;
};

}  // namespace fedgate
