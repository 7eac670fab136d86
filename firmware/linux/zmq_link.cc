#include "firmware/linux/zmq_link.h"

#include <cerrno>

namespace fedgate {

ZmqLink::ZmqLink(zmq::context_t& context, const std::string& endpoint, const std::string& identity,
                 int64_t max_message_bytes, const CurveClientKeys& curve)
    : context_(context),
      endpoint_(endpoint),
      identity_(identity),
      max_message_bytes_(max_message_bytes),
      curve_(curve) {
  connect_socket();
}

void ZmqLink::connect_socket() {
  socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  zmq::socket_t& socket = *socket_;
  // Without an id of our own the ROUTER gives each connection a fresh one, so two
  // clients (or one client's old and new connection) never compete for one routing
  // id; the coordinator knows us by our Hello's name or our CURVE key.
  if (!identity_.empty()) socket.set(zmq::sockopt::routing_id, identity_);
  socket.set(zmq::sockopt::maxmsgsize, max_message_bytes_);
  // Only queue messages on a live connection: a Hello queued during an outage
  // would arrive late and duplicate the one sent after it.
  socket.set(zmq::sockopt::immediate, 1);
  socket.set(zmq::sockopt::reconnect_ivl, 100);
  socket.set(zmq::sockopt::reconnect_ivl_max, 5000);
  socket.set(zmq::sockopt::linger, 1000);
  if (!curve_.server_public_key.empty()) {
    // Encrypted, and the coordinator checks our public key against its allow-list.
    socket.set(zmq::sockopt::curve_serverkey, curve_.server_public_key);
    socket.set(zmq::sockopt::curve_publickey, curve_.public_key);
    socket.set(zmq::sockopt::curve_secretkey, curve_.secret_key);
  }
  socket.connect(endpoint_);
}

// Long enough for a TCP connect and the ZMTP (and CURVE) handshake on a LAN; a
// coordinator that is not up yet costs the client this much once, then the
// driver's retries apply.
constexpr int kConnectWaitMs = 2000;

Status ZmqLink::open(TransportEvents&) {
  if (opened_) {
    // Nothing from the old connection is worth waiting for: drop it at once.
    socket_->set(zmq::sockopt::linger, 0);
    try {
      connect_socket();
    } catch (const zmq::error_t& error) {
      return Status::error(StatusCode::kUnavailable, "cannot reconnect to %s: %s",
                           endpoint_.c_str(), error.what());
    }
    ++reconnects_;
  }
  opened_ = true;
  // With ZMQ_IMMEDIATE the socket is writable only once a connection is up:
  // waiting here keeps the first Hello from being refused.
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLOUT, 0}};
  try {
    zmq::poll(items, 1, std::chrono::milliseconds(kConnectWaitMs));
  } catch (const zmq::error_t& error) {
    if (error.num() != EINTR) throw;
  }
  return Status::ok();
}

Status ZmqLink::send(Span<const uint8_t> bytes) {
  try {
    auto sent =
        socket_->send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait);
    if (!sent) return Status::error(StatusCode::kUnavailable, "not connected");
    return Status::ok();
  } catch (const zmq::error_t& error) {
    return Status::error(StatusCode::kUnavailable, "send failed: %s", error.what());
  }
}

void ZmqLink::poll(uint32_t timeout_ms, TransportEvents& events) {
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, 1, std::chrono::milliseconds(timeout_ms));
    if (!(items[0].revents & ZMQ_POLLIN)) return;
    if (!socket_->recv(message_, zmq::recv_flags::dontwait)) return;
  } catch (const zmq::error_t& error) {
    if (error.num() == EINTR) return;  // a signal: the owner looks at its stop flag
    throw;
  }
  events.on_message(aligned_.view(message_.data(), message_.size()));
}

}  // namespace fedgate
