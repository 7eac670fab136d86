// ByteStream: a two-way byte stream the ZMTP client runs over (a UART, a TCP socket in tests).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/span.h"
#include "core/zmtp/byte_sink.h"

namespace fedgate::zmtp {

class ByteStream : public ByteSink {
 public:
  // Copies received bytes into `into` and returns how many; waits up to timeout_ms when none
  // are there yet (0: do not wait). 0 means nothing arrived.
  virtual size_t read(Span<uint8_t> into, uint32_t timeout_ms) = 0;

 protected:
  ~ByteStream() = default;
};

}  // namespace fedgate::zmtp
