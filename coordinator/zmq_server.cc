#include "coordinator/zmq_server.h"

#include <cerrno>
#include <chrono>
#include <cstdio>

namespace fedgate {

ZmqServer::ZmqServer(zmq::context_t& context, const std::string& endpoint,
                     int64_t transport_limit_bytes)
    : socket_(context, zmq::socket_type::router) {
  socket_.set(zmq::sockopt::maxmsgsize, transport_limit_bytes);
  // A client that reconnects under the same id replaces its old connection.
  socket_.set(zmq::sockopt::router_handover, 1);
  // Unroutable replies (peer gone) are dropped, not an error.
  socket_.set(zmq::sockopt::router_mandatory, 0);
  // No send limit: a full queue would drop model chunks silently. The protocol
  // keeps at most one model and one decision in flight per client.
  socket_.set(zmq::sockopt::sndhwm, 0);
  socket_.set(zmq::sockopt::linger, 500);
  socket_.bind(endpoint);
}

std::string ZmqServer::endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

void ZmqServer::send(const std::string& client, Span<const uint8_t> bytes) {
  try {
    socket_.send(zmq::buffer(client), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    socket_.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& error) {
    std::fprintf(stderr, "fedgate-coordinator: send to %s failed: %s\n", client.c_str(),
                 error.what());
  }
}

void ZmqServer::serve_once(int wait_ms) {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, 1, std::chrono::milliseconds(wait_ms));
  } catch (const zmq::error_t& error) {
    if (error.num() == EINTR) return;
    throw;
  }
  if (!(items[0].revents & ZMQ_POLLIN)) return;
  for (;;) {
    zmq::message_t identity, payload;
    if (!socket_.recv(identity, zmq::recv_flags::dontwait)) return;
    if (!identity.more()) continue;  // a ROUTER always prefixes the identity
    if (!socket_.recv(payload, zmq::recv_flags::dontwait)) return;
    // One frame per message is the protocol; extra frames are discarded.
    while (payload.more()) {
      zmq::message_t extra;
      if (!socket_.recv(extra, zmq::recv_flags::dontwait) || !extra.more()) break;
    }
    coordinator_->handle(identity.to_string(), aligned_.view(payload.data(), payload.size()));
  }
}

void ZmqServer::run(const std::atomic<bool>& interrupted, int poll_ms, int drain_ms) {
  while (!interrupted.load() && !coordinator_->stopped()) {
    serve_once(poll_ms);
    coordinator_->tick();
    if (loop_hook_) loop_hook_();
  }
  if (!coordinator_->stopped()) return;
  const auto drain_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (!interrupted.load() && std::chrono::steady_clock::now() < drain_end) {
    serve_once(poll_ms);
    if (loop_hook_) loop_hook_();
  }
}

}  // namespace fedgate
