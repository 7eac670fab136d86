// ZmqServer: the coordinator's ROUTER socket loop. It owns no protocol logic:
// frames in are handed to Coordinator::handle(), replies go out through the
// ServerOutbox it implements.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "coordinator/coordinator.h"
#include "coordinator/transport_guard.h"
#include "core/protocol/aligned_message.h"

namespace fedgate {

class ZmqServer : public ServerOutbox {
 public:
  // Binds `endpoint` (e.g. "tcp://*:5555" or "tcp://127.0.0.1:*"). Messages
  // larger than `transport_limit_bytes` make libzmq drop the connection
  // (ZMQ_MAXMSGSIZE); smaller ones that are still too large get an Error from
  // the coordinator. Throws zmq::error_t when the endpoint cannot be bound.
  ZmqServer(zmq::context_t& context, const std::string& endpoint, int64_t transport_limit_bytes);

  // The bound endpoint with the port the OS chose.
  std::string endpoint() const;

  void attach(Coordinator& coordinator) { coordinator_ = &coordinator; }

  // Limits (docs/security.md, "Limits"), before clients connect: at most
  // `send_hwm` messages queued per peer (ZMQ_SNDHWM; beyond it replies are
  // dropped and the client recovers as from a lost chunk), and a TCP connection
  // more than `max_pending_bytes` ahead of the messages it completed is shut
  // down (0: no guard).
  void limit(int send_hwm, uint64_t max_pending_bytes);
  int send_hwm() const { return socket_.get(zmq::sockopt::sndhwm); }

  // Serves until the coordinator stops or `interrupted` becomes true, then
  // keeps the connections open for `drain_ms` (answering late messages with
  // ShuttingDown): a client that disconnects before reading its Bye loses it.
  void run(const std::atomic<bool>& interrupted, int poll_ms = 50, int drain_ms = 1000);

  void send(const std::string& client, Span<const uint8_t> bytes) override;

 private:
  // Hands every waiting message to the coordinator; waits up to `wait_ms` for the first.
  void serve_once(int wait_ms);

  // Runs the transport guard, if any; counts what it dropped.
  void guard_connections();

  zmq::context_t& context_;
  zmq::socket_t socket_;
  std::unique_ptr<TransportGuard> guard_;
  AlignedMessage aligned_;
  Coordinator* coordinator_ = nullptr;
};

}  // namespace fedgate
