// TransportGuard: drops a TCP connection that keeps sending without finishing a
// message (docs/security.md, "Limits").
//
// libzmq hands a multipart message to the ROUTER only once its last frame has
// arrived, and until then buffers every frame: ZMQ_MAXMSGSIZE bounds one frame,
// ZMQ_RCVHWM counts whole messages, so nothing bounds a message that never ends.
// The guard watches the socket's connections (zmq_socket_monitor gives each
// accepted file descriptor), counts what each delivered in complete messages
// (ZMQ_SRCFD names the connection of a received frame), and compares it with
// what the kernel says the connection received (TCP_INFO). A connection more
// than `max_pending_bytes` ahead is shut down; libzmq then frees its buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <zmq.hpp>

namespace fedgate {

class TransportGuard {
 public:
  TransportGuard(zmq::context_t& context, zmq::socket_t& router, uint64_t max_pending_bytes);
  // Stops the monitor; the router must still be open.
  ~TransportGuard();
  TransportGuard(const TransportGuard&) = delete;
  TransportGuard& operator=(const TransportGuard&) = delete;

  // A received frame of `bytes` from connection `fd` (zmq_msg_get ZMQ_SRCFD).
  void delivered(int fd, size_t bytes);
  // Takes monitor events, then shuts down every connection too far ahead;
  // returns how many it shut down.
  size_t check();
  uint64_t max_pending_bytes() const { return max_pending_bytes_; }

 private:
  void read_events();

  void* router_;
  zmq::socket_t monitor_;
  uint64_t max_pending_bytes_;
  std::map<int, uint64_t> delivered_;  // accepted TCP connection -> bytes delivered in frames
};

}  // namespace fedgate
