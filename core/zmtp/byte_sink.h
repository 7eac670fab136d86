// ByteSink: where the ZMTP client writes its bytes (a UART, a TCP socket, a test double).
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"

namespace fedgate::zmtp {

class ByteSink {
 public:
  // Writes all of `bytes` in order, blocking or queueing as the transport must, or returns an
  // error. A partial write is an error: the client then treats its outgoing stream as broken and
  // restarts the handshake. `bytes` is only valid during the call.
  virtual Status write(Span<const uint8_t> bytes) = 0;

 protected:
  // Not deleted through this interface: a protected destructor keeps `operator delete` out of
  // bare-metal images.
  ~ByteSink() = default;
};

}  // namespace fedgate::zmtp
