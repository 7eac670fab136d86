#include "coordinator/transport_guard.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdio>
#include <cstring>

namespace fedgate {
namespace {

// Wire bytes that are not frame payload: the ZMTP greeting and READY command
// (under 1 KB with NULL or CURVE), and per frame its header (at most 9 bytes)
// plus, under CURVE, the MESSAGE command's nonce and MAC (about 40 bytes).
constexpr uint64_t kHandshakeBytes = 4096;
constexpr uint64_t kFrameOverheadBytes = 64;

// Bytes the kernel received on a TCP connection; false for other transports.
bool tcp_bytes_received(int fd, uint64_t* bytes) {
  tcp_info info{};
  socklen_t size = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return false;
  if (size < offsetof(tcp_info, tcpi_bytes_received) + sizeof(info.tcpi_bytes_received)) {
    return false;
  }
  *bytes = info.tcpi_bytes_received;
  return true;
}

}  // namespace

TransportGuard::TransportGuard(zmq::context_t& context, zmq::socket_t& router,
                               uint64_t max_pending_bytes)
    : router_(router.handle()),
      monitor_(context, zmq::socket_type::pair),
      max_pending_bytes_(max_pending_bytes) {
  // One inproc name per guard: tests run several servers in one process.
  char address[64];
  std::snprintf(address, sizeof(address), "inproc://fedgate-transport-guard-%p",
                static_cast<void*>(this));
  if (zmq_socket_monitor(router.handle(), address,
                         ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CLOSED) != 0) {
    throw zmq::error_t();
  }
  monitor_.connect(address);
}

TransportGuard::~TransportGuard() { zmq_socket_monitor(router_, nullptr, 0); }

void TransportGuard::delivered(int fd, size_t bytes) {
  auto it = delivered_.find(fd);
  if (it == delivered_.end()) {
    // Accepted since the last check: its event is waiting.
    read_events();
    it = delivered_.find(fd);
  }
  if (it != delivered_.end()) it->second += bytes + kFrameOverheadBytes;
}

void TransportGuard::read_events() {
  for (;;) {
    zmq::message_t event, endpoint;
    if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return;
    if (event.more()) (void)monitor_.recv(endpoint, zmq::recv_flags::dontwait);
    if (event.size() < 6) continue;
    uint16_t id = 0;
    int32_t value = 0;
    std::memcpy(&id, event.data(), sizeof(id));
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, sizeof(value));
    // A descriptor number is reused by the next connection: start it afresh.
    if (id == ZMQ_EVENT_ACCEPTED) delivered_[value] = 0;
    if (id == ZMQ_EVENT_DISCONNECTED || id == ZMQ_EVENT_CLOSED) delivered_.erase(value);
  }
}

size_t TransportGuard::check() {
  read_events();
  size_t dropped = 0;
  for (auto it = delivered_.begin(); it != delivered_.end();) {
    uint64_t received = 0;
    if (!tcp_bytes_received(it->first, &received)) {
      ++it;
      continue;
    }
    if (received <= it->second + kHandshakeBytes + max_pending_bytes_) {
      ++it;
      continue;
    }
    std::fprintf(stderr,
                 "fedgate-coordinator: dropped a connection (fd %d) holding %llu bytes of an "
                 "unfinished message (limits.max_pending_bytes = %llu)\n",
                 it->first, static_cast<unsigned long long>(received - it->second),
                 static_cast<unsigned long long>(max_pending_bytes_));
    // libzmq owns the descriptor: shutting it down (not closing it) makes its
    // engine see the end of the stream and free the connection's buffers.
    shutdown(it->first, SHUT_RDWR);
    it = delivered_.erase(it);
    ++dropped;
  }
  return dropped;
}

}  // namespace fedgate
