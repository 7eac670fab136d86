// ZmqLink: the Linux client's transport, a DEALER socket that is the
// session's Outbox. libzmq reconnects the TCP connection by itself (with
// backoff); the session re-registers when the coordinator stays silent.
#pragma once

#include <optional>
#include <string>

#include <zmq.hpp>

#include "core/protocol/client_session.h"

namespace fedgate {

class ZmqLink : public Outbox {
 public:
  // Throws zmq::error_t for a malformed endpoint.
  ZmqLink(zmq::context_t& context, const std::string& endpoint, const std::string& identity,
          int64_t max_message_bytes);

  // kUnavailable when no connection is up (nothing is queued for later: the
  // session resends what matters after re-registering).
  Status send(Span<const uint8_t> bytes) override;

  // The next message, or nothing after `timeout_ms`.
  std::optional<zmq::message_t> receive(int timeout_ms);

 private:
  zmq::socket_t socket_;
};

}  // namespace fedgate
