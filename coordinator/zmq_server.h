// ZmqServer: the coordinator's ROUTER socket loop. It owns no protocol logic:
// frames in are handed to Coordinator::handle(), replies go out through the
// ServerOutbox it implements.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "coordinator/connection_tracker.h"
#include "coordinator/coordinator.h"
#include "coordinator/curve_authenticator.h"
#include "coordinator/transport_guard.h"
#include "coordinator/transport_security.h"
#include "core/protocol/aligned_message.h"

namespace fedgate {

class ZmqServer : public ServerOutbox {
 public:
  // Binds `endpoint` (e.g. "tcp://*:5555" or "tcp://127.0.0.1:*"). Messages
  // larger than `transport_limit_bytes` make libzmq drop the connection
  // (ZMQ_MAXMSGSIZE); smaller ones that are still too large get an Error from
  // the coordinator. Throws zmq::error_t when the endpoint cannot be bound.
  // With `security.curve` on, only allow-listed CURVE clients connect and each
  // client's id is its public key (docs/security.md).
  ZmqServer(zmq::context_t& context, const std::string& endpoint, int64_t transport_limit_bytes,
            const TransportSecurity& security = {});

  // The bound endpoint with the port the OS chose.
  std::string endpoint() const;

  void attach(Coordinator& coordinator) { coordinator_ = &coordinator; }
  // Called once per loop turn, also while draining (the HTTP snapshot publisher);
  // must not block.
  void set_loop_hook(std::function<void()> hook) { loop_hook_ = std::move(hook); }

  // Limits (docs/security.md, "Limits"), before clients connect: at most
  // `send_hwm` messages queued per peer (ZMQ_SNDHWM; beyond it replies are
  // dropped and the client recovers as from a lost chunk), and a TCP connection
  // more than `max_pending_bytes` ahead of the messages it completed is shut
  // down (0: no guard); a Hello name longer than `max_name_bytes` is not taken
  // as the client's id.
  void limit(int send_hwm, uint64_t max_pending_bytes, uint32_t max_name_bytes = 64);
  int send_hwm() const { return socket_.get(zmq::sockopt::sndhwm); }

  // Serves until the coordinator stops or `interrupted` becomes true, then
  // keeps the connections open for `drain_ms` (answering late messages with
  // ShuttingDown): a client that disconnects before reading its Bye loses it.
  void run(const std::atomic<bool>& interrupted, int poll_ms = 50, int drain_ms = 1000);

  void send(const std::string& client, Span<const uint8_t> bytes) override;

  // Refused peers: unknown keys, other mechanisms, duplicate connections.
  TransportSecurityCounts security_counts() const;
  // Entries in the tables that map ids to connections: they follow the open
  // connections, so peers that come and go under new names cannot grow them.
  size_t remembered_ids() const {
    return routing_ids_.size() + client_ids_.size() + connections_.size() + tracker_.ids();
  }

 private:
  // Hands every waiting message to the coordinator; waits up to `wait_ms` for the first.
  void serve_once(int wait_ms);

  // --- peers (docs/security.md): CURVE identities, the monitor, duplicate ids ---
  void watch_connections();
  void drain_monitor();
  // The client id of a message (its CURVE key, else the name its connection's
  // Hello gave), or "" when the message comes from a duplicate connection and was
  // answered here.
  std::string admit(const std::string& routing_id, zmq::message_t& payload);
  // Without CURVE: the Hello's name, or the name an earlier Hello gave this
  // connection, or else the routing id.
  std::string claimed_id(const std::string& routing_id, zmq::message_t& payload);
  void refuse_duplicate(const std::string& routing_id, const std::string& client,
                        zmq::message_t& payload);
  // A TCP connection closed (or its descriptor number is reused): its ids go.
  void forget_connection(int fd);

  std::unique_ptr<CurveAuthenticator> authenticator_;  // before socket_: ZAP is bound first
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
  bool curve_ = false;
  ConnectionTracker tracker_;
  uint64_t failed_handshakes_ = 0;
  std::map<std::string, std::string> routing_ids_;  // client id -> its current routing id
  std::map<std::string, std::string> client_ids_;   // routing id -> the name its Hello gave
  struct Connection {
    std::string routing_id;
    std::string client;
  };
  std::map<int, Connection> connections_;  // TCP connection -> the ids it spoke under
  std::vector<uint8_t> refusal_arena_;
  // --- end peers ---
  // Runs the transport guard, if any; counts what it dropped.
  void guard_connections();
  // Tells the guard, if any, of a received frame.
  void count_delivered(const zmq::message_t& frame);

  std::unique_ptr<TransportGuard> guard_;  // fed by the monitor above
  uint32_t max_name_bytes_ = 64;
  AlignedMessage aligned_;
  Coordinator* coordinator_ = nullptr;
  std::function<void()> loop_hook_;
};

}  // namespace fedgate
