#include "firmware/linux/zmq_link.h"

#include <cerrno>

namespace fedgate {

ZmqLink::ZmqLink(zmq::context_t& context, const std::string& endpoint, const std::string& identity,
                 int64_t max_message_bytes)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::routing_id, identity);
  socket_.set(zmq::sockopt::maxmsgsize, max_message_bytes);
  // Only queue messages on a live connection: a Hello queued during an outage
  // would arrive late and duplicate the one sent after it.
  socket_.set(zmq::sockopt::immediate, 1);
  socket_.set(zmq::sockopt::reconnect_ivl, 100);
  socket_.set(zmq::sockopt::reconnect_ivl_max, 5000);
  socket_.set(zmq::sockopt::linger, 1000);
  socket_.connect(endpoint);
}

// Long enough for a TCP connect and the ZMTP handshake on a LAN; a coordinator that
// is not up yet costs the client this much once, then the driver's retries apply.
constexpr int kFirstConnectWaitMs = 2000;

Status ZmqLink::open(TransportEvents&) {
  // With ZMQ_IMMEDIATE the socket is writable only once a connection is up.
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLOUT, 0}};
  try {
    zmq::poll(items, 1, std::chrono::milliseconds(kFirstConnectWaitMs));
  } catch (const zmq::error_t& error) {
    if (error.num() != EINTR) throw;
  }
  return Status::ok();
}

Status ZmqLink::send(Span<const uint8_t> bytes) {
  try {
    auto sent =
        socket_.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait);
    if (!sent) return Status::error(StatusCode::kUnavailable, "not connected");
    return Status::ok();
  } catch (const zmq::error_t& error) {
    return Status::error(StatusCode::kUnavailable, "send failed: %s", error.what());
  }
}

void ZmqLink::poll(uint32_t timeout_ms, TransportEvents& events) {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, 1, std::chrono::milliseconds(timeout_ms));
    if (!(items[0].revents & ZMQ_POLLIN)) return;
    if (!socket_.recv(message_, zmq::recv_flags::dontwait)) return;
  } catch (const zmq::error_t& error) {
    if (error.num() == EINTR) return;  // a signal: the owner looks at its stop flag
    throw;
  }
  events.on_message(aligned_.view(message_.data(), message_.size()));
}

}  // namespace fedgate
