// Hostile peers for the attack tests (docs/security.md, "Limits"): a DEALER that
// speaks the fedgate protocol as an attacker would, and a raw TCP peer that
// speaks just enough ZMTP to send a message that never ends.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/protocol/aligned_message.h"
#include "core/protocol/codec.h"

namespace fedgate::testing {

class HostilePeer {
 public:
  // `identity`: the routing id; `receive_hwm`/`receive_buffer` small make a
  // peer that (almost) never reads.
  HostilePeer(zmq::context_t& context, const std::string& endpoint, const std::string& identity,
              int receive_hwm = 1000, int receive_buffer = 0);

  void send(Span<const uint8_t> bytes);
  void send(const Result<Span<const uint8_t>>& message) { send(*message); }
  // A Hello for the Fashion-MNIST softmax model; `name` may be any length.
  void hello(const std::string& name, uint32_t max_message_bytes = 0);
  void model_request() { send(writer_.model_request(++seq_, version_)); }
  void offer(uint32_t version, float norm);
  // A dense Update at `version` whose values are `values`.
  void update(uint32_t version, const std::vector<float>& values);

  // Reads what arrives for up to `wait_ms`, until `until` (a message type) is
  // seen when it is not NONE. Tracks the model version and the last Decision
  // and Error; true when `until` came.
  bool pump(int wait_ms, wire::Message until = wire::Message::NONE);

  uint32_t version() const { return version_; }
  bool has_model() const { return has_model_; }
  bool accepted() const { return accepted_; }
  wire::ErrorCode last_error() const { return last_error_; }
  const std::string& last_error_text() const { return last_error_text_; }
  size_t received() const { return received_; }
  size_t models() const { return models_; }        // complete models received
  size_t decisions() const { return decisions_; }  // Decisions received

 private:
  zmq::socket_t socket_;
  std::vector<uint8_t> arena_;
  MessageWriter writer_;
  AlignedMessage aligned_;
  uint32_t seq_ = 0;
  uint32_t version_ = 0;
  bool has_model_ = false;
  bool accepted_ = false;
  wire::ErrorCode last_error_ = wire::ErrorCode::None;
  std::string last_error_text_;
  size_t received_ = 0;
  size_t models_ = 0;
  size_t decisions_ = 0;
};

// Connects over TCP to `endpoint` (tcp://127.0.0.1:PORT), sends the ZMTP 3.0
// NULL greeting and READY of a DEALER, then frames of `frame_bytes` with the
// MORE flag, never the last one, for `seconds` or until the connection is
// closed. Returns the bytes it got through.
uint64_t flood_unfinished_message(const std::string& endpoint, size_t frame_bytes, double seconds);

}  // namespace fedgate::testing
