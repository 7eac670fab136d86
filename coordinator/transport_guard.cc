#include "coordinator/transport_guard.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

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

void TransportGuard::delivered(int fd, size_t bytes) {
  auto it = delivered_.find(fd);
  if (it != delivered_.end()) it->second += bytes + kFrameOverheadBytes;
}

size_t TransportGuard::check() {
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
    spdlog::warn(
        "dropped a connection (fd {}) holding {} bytes of an unfinished message "
        "(limits.max_pending_bytes = {})",
        it->first, received - it->second, max_pending_bytes_);
    // libzmq owns the descriptor: shutting it down (not closing it) makes its
    // engine see the end of the stream and free the connection's buffers.
    shutdown(it->first, SHUT_RDWR);
    it = delivered_.erase(it);
    ++dropped;
  }
  return dropped;
}

}  // namespace fedgate
