#include "coordinator/zmq_server.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "coordinator/limits.h"

namespace fedgate {
namespace {

// --- peers (docs/security.md) ---
int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* peer_address(const zmq::message_t& message) {
  const char* address = zmq_msg_gets(message.handle(), "Peer-Address");
  return address != nullptr ? address : "?";
}
// --- end peers ---

}  // namespace

ZmqServer::ZmqServer(zmq::context_t& context, const std::string& endpoint,
                     int64_t transport_limit_bytes, const TransportSecurity& security)
    : authenticator_(security.curve
                         ? std::make_unique<CurveAuthenticator>(context, security.authorized_keys)
                         : nullptr),
      socket_(context, zmq::socket_type::router),
      monitor_(context, zmq::socket_type::pair),
      curve_(security.curve),
      tracker_(security.duplicate_window_ms * 1000) {
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
  // --- peers: CURVE server (the ZAP handler above decides who gets in) ---
  if (curve_) {
    socket_.set(zmq::sockopt::curve_server, 1);
    socket_.set(zmq::sockopt::curve_secretkey, security.server_keys.secret_key);
  }
  watch_connections();
  // --- end peers ---
  socket_.bind(endpoint);
}

std::string ZmqServer::endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

void ZmqServer::send(const std::string& client, Span<const uint8_t> bytes) {
  // --- peers: the coordinator knows a client by its id: under CURVE its key, else

  // (its key) or its Hello name; an id never mapped is a routing id itself (an
  // Error to a peer that has not said Hello).
  const auto it = routing_ids_.find(client);
  const std::string* routing_id = it != routing_ids_.end() ? &it->second : &client;
  if (curve_ && it == routing_ids_.end()) return;
  // --- end peers ---
  try {
    socket_.send(zmq::buffer(*routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    socket_.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& error) {
    spdlog::warn("send to client {} failed: {}", printable_id(client), error.what());
  }
}

// --- peers (docs/security.md): the monitor, CURVE identities, duplicate ids ---
void ZmqServer::watch_connections() {
  char address[64];
  std::snprintf(address, sizeof address, "inproc://fedgate-monitor-%p", static_cast<void*>(this));
  // The only monitor of the socket (libzmq allows one): the tracker and the
  // transport guard both learn of connections here.
  const int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CLOSED |
                     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
  if (zmq_socket_monitor(socket_.handle(), address, events) != 0) throw zmq::error_t();
  monitor_.connect(address);
}

void ZmqServer::drain_monitor() {
  for (;;) {
    zmq::message_t event, address;
    if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return;
    if (event.more()) (void)monitor_.recv(address);
    if (event.size() < 6) continue;
    uint16_t kind = 0;
    uint32_t value = 0;
    std::memcpy(&kind, event.data(), sizeof kind);
    std::memcpy(&value, static_cast<const uint8_t*>(event.data()) + 2, sizeof value);
    switch (kind) {
      case ZMQ_EVENT_ACCEPTED:
        forget_connection(static_cast<int>(value));  // a descriptor number reused
        tracker_.on_opened(static_cast<int>(value));
        if (guard_) guard_->on_opened(static_cast<int>(value));
        break;
      case ZMQ_EVENT_DISCONNECTED:
      case ZMQ_EVENT_CLOSED:
        forget_connection(static_cast<int>(value));
        tracker_.on_closed(static_cast<int>(value));
        if (guard_) guard_->on_closed(static_cast<int>(value));
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        ++failed_handshakes_;
        spdlog::warn("refused a connection: its handshake failed ({}{})",
                     curve_ ? "a client without CURVE or with another server key"
                            : "a client that asks for CURVE",
                     curve_ ? "; see docs/security.md" : " while this server runs without it");
        break;
      default: break;
    }
  }
}

std::string ZmqServer::admit(const std::string& routing_id, zmq::message_t& payload) {
  std::string client;
  if (curve_) {
    // The ZAP handler set the user id to the key it let in: no peer picks another's id.
    const char* user_id = zmq_msg_gets(payload.handle(), "User-Id");
    if (user_id == nullptr || *user_id == '\0') return "";
    client = user_id;
  } else {
    client = claimed_id(routing_id, payload);
  }
  drain_monitor();  // connections closed just now must not count as alive
  const int fd = zmq_msg_get(payload.handle(), ZMQ_SRCFD);
  switch (tracker_.on_message(client, fd, steady_us())) {
    case ConnectionVerdict::kDuplicate: refuse_duplicate(routing_id, client, payload); return "";
    case ConnectionVerdict::kTakeover:
    case ConnectionVerdict::kOwner:
      routing_ids_[client] = routing_id;
      if (!curve_ && client != routing_id) client_ids_[routing_id] = client;
      if (fd >= 0) connections_[fd] = Connection{routing_id, client};
      return client;
  }
  return "";
}

std::string ZmqServer::claimed_id(const std::string& routing_id, zmq::message_t& payload) {
  // A Hello names its client; later messages of that connection carry no name.
  wire::ErrorCode error = wire::ErrorCode::None;
  const wire::Envelope* envelope =
      verify_envelope(aligned_.view(payload.data(), payload.size()), &error);
  if (envelope != nullptr && envelope->message_type() == wire::Message::Hello) {
    const flatbuffers::String* name = envelope->message_as_Hello()->name();
    // A name over limits.max_name_bytes is no identity (the coordinator refuses
    // it): it must not key the maps below, nor clash with another such Hello.
    if (name != nullptr && name->size() > 0 && name->size() <= max_name_bytes_) return name->str();
    return routing_id;
  }
  const auto it = client_ids_.find(routing_id);
  return it != client_ids_.end() ? it->second : routing_id;
}

void ZmqServer::refuse_duplicate(const std::string& routing_id, const std::string& client,
                                 zmq::message_t& payload) {
  // Only a Hello is answered: the refused client then stops (docs/protocol.md, Error
  // during registration). Anything else from it is dropped without a reply, so two
  // sessions cannot ping-pong Errors.
  wire::ErrorCode error = wire::ErrorCode::None;
  const wire::Envelope* envelope =
      verify_envelope(aligned_.view(payload.data(), payload.size()), &error);
  if (envelope == nullptr || envelope->message_type() != wire::Message::Hello) return;
  const int64_t silent_ms = tracker_.owner_silent_ms(client, steady_us());
  spdlog::warn(
      "refused a second connection from {} for client {}: that id is in use by a connection "
      "heard {} ms ago (give every client its own name{})",
      peer_address(payload), printable_id(client), silent_ms, curve_ ? " and key pair" : "");
  char text[160];
  std::snprintf(text, sizeof text,
                "client id %.40s is already connected; refusing this second connection (give "
                "every client its own %s)",
                printable_id(client).c_str(), curve_ ? "key pair" : "--name");
  refusal_arena_.resize(kMessageOverhead + sizeof text);
  MessageWriter writer(Span<uint8_t>(refusal_arena_.data(), refusal_arena_.size()));
  const auto reply = writer.error(0, wire::ErrorCode::UnexpectedMessage, envelope->seq(), text);
  if (!reply.is_ok()) {
    spdlog::error("cannot write the refusal: {}", reply.status().message());
    return;
  }
  socket_.send(zmq::buffer(routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  socket_.send(zmq::buffer(reply->data(), reply->size()), zmq::send_flags::dontwait);
}

void ZmqServer::forget_connection(int fd) {
  const auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  const Connection& gone = it->second;
  // A client that reconnected already maps to its new routing id: keep that.
  const auto route = routing_ids_.find(gone.client);
  if (route != routing_ids_.end() && route->second == gone.routing_id) routing_ids_.erase(route);
  client_ids_.erase(gone.routing_id);
  connections_.erase(it);
}

TransportSecurityCounts ZmqServer::security_counts() const {
  TransportSecurityCounts counts;
  if (authenticator_ != nullptr) {
    counts.curve_allowed = authenticator_->counts().allowed;
    counts.curve_refused = authenticator_->counts().refused;
  }
  counts.failed_handshakes = failed_handshakes_;
  counts.duplicates = tracker_.duplicates();
  return counts;
}
// --- end peers ---

void ZmqServer::limit(int send_hwm, uint64_t max_pending_bytes, uint32_t max_name_bytes) {
  max_name_bytes_ = max_name_bytes;
  socket_.set(zmq::sockopt::sndhwm, send_hwm);
  guard_.reset();
  if (max_pending_bytes > 0) {
    guard_ = std::make_unique<TransportGuard>(max_pending_bytes);
  }
}

void ZmqServer::guard_connections() {
  if (!guard_) return;
  const size_t dropped = guard_->check();
  for (size_t i = 0; i < dropped && coordinator_ != nullptr; ++i)
    coordinator_->count_dropped_peer();
}

void ZmqServer::count_delivered(const zmq::message_t& frame) {
  if (!guard_) return;
  const int fd = zmq_msg_get(frame.handle(), ZMQ_SRCFD);
  if (!guard_->knows(fd)) drain_monitor();  // accepted since the monitor was last read
  guard_->delivered(fd, frame.size());
}

void ZmqServer::serve_once(int wait_ms) {
  // A never-finished message grows as fast as the peer sends: with a guard,
  // look at the connections at least every few milliseconds.
  constexpr int kGuardSliceMs = 5;
  guard_connections();
  zmq::pollitem_t items[] = {
      {socket_.handle(), 0, ZMQ_POLLIN, 0},
      {monitor_.handle(), 0, ZMQ_POLLIN, 0},
      {authenticator_ ? authenticator_->socket().handle() : nullptr, 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, authenticator_ ? 3 : 2,
              std::chrono::milliseconds(guard_ ? std::min(wait_ms, kGuardSliceMs) : wait_ms));
  } catch (const zmq::error_t& error) {
    if (error.num() == EINTR) return;
    throw;
  }
  if (items[1].revents & ZMQ_POLLIN) drain_monitor();
  if (authenticator_ && (items[2].revents & ZMQ_POLLIN)) authenticator_->serve_pending();
  if (!(items[0].revents & ZMQ_POLLIN)) return;
  for (uint32_t received = 1;; ++received) {
    if (received % 256 == 0) guard_connections();
    zmq::message_t identity, payload;
    if (!socket_.recv(identity, zmq::recv_flags::dontwait)) return;
    if (!identity.more()) continue;  // a ROUTER always prefixes the identity
    if (!socket_.recv(payload, zmq::recv_flags::dontwait)) return;
    count_delivered(payload);
    // One frame per message is the protocol; extra frames are discarded.
    while (payload.more()) {
      zmq::message_t extra;
      if (!socket_.recv(extra, zmq::recv_flags::dontwait)) break;
      count_delivered(extra);
      if (!extra.more()) break;
    }
    const std::string client = admit(identity.to_string(), payload);
    if (client.empty()) continue;
    coordinator_->handle(client, aligned_.view(payload.data(), payload.size()));
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
