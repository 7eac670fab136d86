#include "coordinator/zmq_server.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>

namespace fedgate {

ZmqServer::ZmqServer(zmq::context_t& context, const std::string& endpoint,
                     int64_t transport_limit_bytes)
    : context_(context), socket_(context, zmq::socket_type::router) {
  socket_.set(zmq::sockopt::maxmsgsize, transport_limit_bytes);
  // A client that reconnects under the same id replaces its old connection.
  socket_.set(zmq::sockopt::router_handover, 1);
  // Unroutable replies (peer gone) are dropped, not an error.
  socket_.set(zmq::sockopt::router_mandatory, 0);
  // A finite queue per peer: one that never reads cannot grow the coordinator
  // without bound. A dropped chunk is recovered by the client (ModelRequest, or
  // Hello after its silence timeout); limit() sets the run's value.
  socket_.set(zmq::sockopt::sndhwm, 1000);
  socket_.set(zmq::sockopt::linger, 500);
  socket_.bind(endpoint);
}

std::string ZmqServer::endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

void ZmqServer::send(const std::string& client, Span<const uint8_t> bytes) {
  try {
    socket_.send(zmq::buffer(client), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    socket_.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& error) {
    std::fprintf(stderr, "fedgate-coordinator: send to %s failed: %s\n",
                 printable_id(client).c_str(), error.what());
  }
}

void ZmqServer::limit(int send_hwm, uint64_t max_pending_bytes) {
  socket_.set(zmq::sockopt::sndhwm, send_hwm);
  guard_.reset();
  if (max_pending_bytes > 0) {
    guard_ = std::make_unique<TransportGuard>(context_, socket_, max_pending_bytes);
  }
}

void ZmqServer::guard_connections() {
  if (!guard_) return;
  const size_t dropped = guard_->check();
  for (size_t i = 0; i < dropped && coordinator_ != nullptr; ++i)
    coordinator_->count_dropped_peer();
}

void ZmqServer::serve_once(int wait_ms) {
  // A never-finished message grows as fast as the peer sends: with a guard,
  // look at the connections at least every few milliseconds.
  constexpr int kGuardSliceMs = 5;
  guard_connections();
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, 1,
              std::chrono::milliseconds(guard_ ? std::min(wait_ms, kGuardSliceMs) : wait_ms));
  } catch (const zmq::error_t& error) {
    if (error.num() == EINTR) return;
    throw;
  }
  if (!(items[0].revents & ZMQ_POLLIN)) return;
  for (uint32_t received = 1;; ++received) {
    if (received % 256 == 0) guard_connections();
    zmq::message_t identity, payload;
    if (!socket_.recv(identity, zmq::recv_flags::dontwait)) return;
    if (!identity.more()) continue;  // a ROUTER always prefixes the identity
    if (!socket_.recv(payload, zmq::recv_flags::dontwait)) return;
    if (guard_) guard_->delivered(payload.get(ZMQ_SRCFD), payload.size());
    // One frame per message is the protocol; extra frames are discarded.
    while (payload.more()) {
      zmq::message_t extra;
      if (!socket_.recv(extra, zmq::recv_flags::dontwait)) break;
      if (guard_) guard_->delivered(extra.get(ZMQ_SRCFD), extra.size());
      if (!extra.more()) break;
    }
    coordinator_->handle(identity.to_string(), aligned_.view(payload.data(), payload.size()));
  }
}

void ZmqServer::run(const std::atomic<bool>& interrupted, int poll_ms, int drain_ms) {
  while (!interrupted.load() && !coordinator_->stopped()) {
    serve_once(poll_ms);
    coordinator_->tick();
  }
  if (!coordinator_->stopped()) return;
  const auto drain_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (!interrupted.load() && std::chrono::steady_clock::now() < drain_end) serve_once(poll_ms);
}

}  // namespace fedgate
