// Compressor: how a client turns the vector it decided to send into what
// crosses the wire. Implementations: dense, top-k, rand-k; error feedback is a
// decorator over any of them (STYLE.md lesson 9), not a flag.
//
// Protocol with the client session: compress() the vector; then commit() once
// it was really sent, or discard() when it was not (a rejected offer). Memory
// is caller-owned and given at construction; nothing allocates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/compression/compressed_vector.h"

namespace fedgate {

class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual const char* name() const = 0;
  virtual wire::Codec codec() const = 0;
  // Compresses `vector` (dim floats). The view stays valid until the next call
  // on this compressor and does not point into `vector` unless dense.
  virtual CompressedVector compress(Span<const float> vector) = 0;
  // The last compressed vector went out.
  virtual void commit() {}
  // The last compressed vector did not go out (its offer was rejected).
  virtual void discard() {}
  // Bytes of payload (values, indices) of one compressed message at most.
  virtual size_t max_payload_bytes() const = 0;
};

}  // namespace fedgate
