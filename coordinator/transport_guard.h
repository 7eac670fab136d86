// TransportGuard: drops a TCP connection that keeps sending without finishing a
// message (docs/security.md, "Limits").
//
// libzmq hands a multipart message to the ROUTER only once its last frame has
// arrived, and until then buffers every frame: ZMQ_MAXMSGSIZE bounds one frame,
// ZMQ_RCVHWM counts whole messages, so nothing bounds a message that never ends.
// The guard is told of the socket's connections (ZmqServer's one socket
// monitor gives each accepted file descriptor: libzmq allows one monitor per
// socket), counts what each delivered in complete messages (ZMQ_SRCFD names
// the connection of a received frame), and compares it with what the kernel
// says the connection received (TCP_INFO). A connection more than
// `max_pending_bytes` ahead is shut down; libzmq then frees its buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace fedgate {

class TransportGuard {
 public:
  explicit TransportGuard(uint64_t max_pending_bytes) : max_pending_bytes_(max_pending_bytes) {}

  // Monitor events: a connection accepted (a descriptor number is reused by the
  // next connection, so it starts afresh) or gone.
  void on_opened(int fd) { delivered_[fd] = 0; }
  void on_closed(int fd) { delivered_.erase(fd); }
  bool knows(int fd) const { return delivered_.count(fd) != 0; }
  // A received frame of `bytes` from connection `fd` (zmq_msg_get ZMQ_SRCFD).
  void delivered(int fd, size_t bytes);
  // Shuts down every connection too far ahead; returns how many it shut down.
  size_t check();
  uint64_t max_pending_bytes() const { return max_pending_bytes_; }

 private:
  uint64_t max_pending_bytes_;
  std::map<int, uint64_t> delivered_;  // accepted TCP connection -> bytes delivered in frames
};

}  // namespace fedgate
