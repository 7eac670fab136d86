// ZmqServer: the coordinator's ROUTER socket loop. It owns no protocol logic:
// frames in are handed to Coordinator::handle(), replies go out through the
// ServerOutbox it implements.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include <zmq.hpp>

#include "coordinator/coordinator.h"
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
  // Called once per loop turn, also while draining (the HTTP snapshot publisher);
  // must not block.
  void set_loop_hook(std::function<void()> hook) { loop_hook_ = std::move(hook); }

  // Serves until the coordinator stops or `interrupted` becomes true, then
  // keeps the connections open for `drain_ms` (answering late messages with
  // ShuttingDown): a client that disconnects before reading its Bye loses it.
  void run(const std::atomic<bool>& interrupted, int poll_ms = 50, int drain_ms = 1000);

  void send(const std::string& client, Span<const uint8_t> bytes) override;

 private:
  // Hands every waiting message to the coordinator; waits up to `wait_ms` for the first.
  void serve_once(int wait_ms);

  zmq::socket_t socket_;
  AlignedMessage aligned_;
  Coordinator* coordinator_ = nullptr;
  std::function<void()> loop_hook_;
};

}  // namespace fedgate
