#include "tests/core/zmtp/tcp_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace fedgate::zmtp::testing {

TcpLink::TcpLink(std::string endpoint) {
  // tcp://HOST:PORT
  const std::string prefix = "tcp://";
  const std::string rest = endpoint.substr(prefix.size());
  const size_t colon = rest.rfind(':');
  host_ = rest.substr(0, colon);
  port_ = std::stoi(rest.substr(colon + 1));
}

TcpLink::~TcpLink() { close(); }

bool TcpLink::connect(int timeout_ms) {
  close();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      fd_ = fd;
      to_drop_ = drop_first_bytes;
      return true;
    }
    ::close(fd);
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void TcpLink::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status TcpLink::write(Span<const uint8_t> bytes) {
  if (fd_ < 0) {
    if (drop_while_disconnected) return Status::ok();
    return Status::error(StatusCode::kUnavailable, "tcp link: not connected");
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      close();
      return Status::error(StatusCode::kUnavailable, "tcp link: send failed (errno %d)", errno);
    }
    sent += static_cast<size_t>(n);
  }
  return Status::ok();
}

int TcpLink::receive(Span<uint8_t> into, int timeout_ms) {
  if (fd_ < 0) return -1;
  pollfd pfd{fd_, POLLIN, 0};
  if (::poll(&pfd, 1, timeout_ms) <= 0) return 0;
  const ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
  if (n <= 0) {
    if (n < 0 && errno == EINTR) return 0;
    close();
    return -1;
  }
  const size_t skip = to_drop_ < static_cast<size_t>(n) ? to_drop_ : static_cast<size_t>(n);
  to_drop_ -= skip;
  std::memmove(into.data(), into.data() + skip, static_cast<size_t>(n) - skip);
  return static_cast<int>(static_cast<size_t>(n) - skip);
}

int TcpLink::pump(Client& client, int timeout_ms, uint32_t now_ms) {
  static uint8_t buffer[65536];
  const int n = receive(Span<uint8_t>(buffer, sizeof(buffer)), timeout_ms);
  if (n > 0) client.on_bytes(Span<const uint8_t>(buffer, static_cast<size_t>(n)), now_ms);
  return n;
}

size_t TcpLink::read(Span<uint8_t> into, uint32_t timeout_ms) {
  if (fd_ < 0) {
    if (reconnect_when_closed) {
      (void)connect(static_cast<int>(timeout_ms));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    }
    return 0;
  }
  const int n = receive(into, static_cast<int>(timeout_ms));
  return n > 0 ? static_cast<size_t>(n) : 0;
}

uint32_t monotonic_ms() {
  static const auto start = std::chrono::steady_clock::now();
  return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
}

}  // namespace fedgate::zmtp::testing
