// AlignedMessage: gives received bytes the alignment verify_envelope() needs.
// Transports such as libzmq keep small messages inside the message object at
// any address; those are copied into a buffer owned here (grown once to the
// largest message seen), aligned ones are passed through untouched.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/base/span.h"
#include "core/protocol/codec.h"

namespace fedgate {

class AlignedMessage {
 public:
  // The view is valid until the next call or until `bytes` goes away.
  Span<const uint8_t> view(const void* data, size_t size) {
    if (size == 0) return Span<const uint8_t>();
    if (reinterpret_cast<uintptr_t>(data) % kMessageAlignment == 0) {
      return Span<const uint8_t>(static_cast<const uint8_t*>(data), size);
    }
    if (storage_.size() * sizeof(uint64_t) < size) storage_.resize((size + 7) / 8);
    std::memcpy(storage_.data(), data, size);
    return Span<const uint8_t>(reinterpret_cast<const uint8_t*>(storage_.data()), size);
  }

 private:
  static_assert(alignof(uint64_t) >= kMessageAlignment, "storage must be aligned");
  std::vector<uint64_t> storage_;
};

}  // namespace fedgate
