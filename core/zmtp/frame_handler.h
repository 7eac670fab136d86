// FrameHandler: what the ZMTP client hands to the layer above (the fedgate session).
#pragma once

#include <cstdint>

#include "core/base/span.h"

namespace fedgate::zmtp {

class FrameHandler {
 public:
  // One complete single-frame message. `payload` points into the client's receive buffer
  // (8-byte aligned at its start) and is valid only until this call returns. The handler may
  // call Client::send() from here, and Client::start().
  virtual void on_message(Span<const uint8_t> payload) = 0;
  // The handshake completed (the peer's READY was accepted): (re)register now.
  virtual void on_ready() {}
  // The session announced by on_ready() is gone: the peer greeted again (it restarted or its
  // connection was re-opened), the stream lost sync, the peer sent ERROR, or start() was called.
  // Whatever the layer above had in flight is stale. Called at most once per on_ready(); the next
  // on_ready() follows when the new handshake completes.
  virtual void on_reset() {}

 protected:
  ~FrameHandler() = default;
};

}  // namespace fedgate::zmtp
