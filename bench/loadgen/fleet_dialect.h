// What a synthetic client sends and how it reads what comes back, in two
// dialects over the same sockets and the same client logic: the fedgate
// protocol (real FlatBuffers messages to a real coordinator) and raw frames of
// the same sizes to an echo server (the transport's ceiling,
// docs/performance.md "End to end").
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/span.h"

namespace fedgate::loadgen {

// What a reply told the client.
struct Reply {
  enum class Kind { Config, Chunk, Decision, Error, Bye, Other };
  Kind kind = Kind::Other;
  uint32_t version = 0;   // Chunk: the model's version
  uint32_t offset = 0;    // Chunk: first float
  uint32_t count = 0;     // Chunk: floats carried
  uint32_t total = 0;     // Chunk: model dimension
  bool accept = false;    // Decision
  const char* text = "";  // Error: its message (valid until the next read)
};

// Wire sizes of one exchange, as the fedgate codec encodes it; the raw
// dialect sends and answers frames of exactly these sizes.
struct ExchangeSizes {
  size_t hello = 0;
  size_t config = 0;
  size_t offer = 0;
  size_t decision = 0;
  size_t update = 0;
  size_t full_chunk = 0;  // a chunk of chunk_floats floats
  size_t last_chunk = 0;  // the model's last, shorter chunk (or a full one)
};

class FleetDialect {
 public:
  virtual ~FleetDialect() = default;
  // Each returned span is valid until the next call.
  virtual Span<const uint8_t> hello(uint32_t seq, uint32_t client) = 0;
  virtual Span<const uint8_t> offer(uint32_t seq, uint32_t version) = 0;
  virtual Span<const uint8_t> update(uint32_t seq, uint32_t version) = 0;
  virtual Reply read(Span<const uint8_t> bytes) = 0;
};

}  // namespace fedgate::loadgen
