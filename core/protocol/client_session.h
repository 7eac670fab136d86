// ClientSession: the client side of the fedgate protocol, free of any transport.
//
//   start() -> Hello ; Config -> await Model chunks ; model complete -> the
//   trigger runs (core/trigger) and either offers a norm (Offer ; Decision
//   accept -> Update -> await Model ; reject -> await Model), sends Update(s)
//   at once, or sends Skip -> await Model ; Bye -> finished.
//
// The trigger and compression are the ones the Config names; they are built
// inside the session (ClientPolicies) with their state in ClientPolicyMemory.
//
// The session sends through an Outbox and is fed received bytes through
// on_message(); the owner calls on_silence() when nothing arrived for
// silence_timeout_ms() and the session re-registers. All memory is
// caller-owned and sized at construction; no call allocates or throws.
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/protocol/client_policies.h"
#include "core/protocol/codec.h"
#include "core/protocol/gradient_source.h"

namespace fedgate {

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Sends one whole message. kUnavailable means "not connected now": the
  // session carries on and recovers through its silence timeout.
  virtual Status send(Span<const uint8_t> bytes) = 0;
  // Sends one message given in two consecutive parts, head then tail: how a
  // dense Update larger than the transmit arena goes out (update_stream.h).
  // Transports that cannot stream a message keep this default.
  virtual Status send_parts(Span<const uint8_t> /*head*/, Span<const uint8_t> /*tail*/) {
    return Status::error(StatusCode::kFailedPrecondition,
                         "this transport cannot send a message in parts");
  }
};

struct ClientIdentity {
  wire::DeviceClass device_class = wire::DeviceClass::Linux;
  const char* name = "";
  uint32_t max_message_bytes = 0;  // largest message the receive path holds
  uint32_t max_chunk_floats = 0;   // largest Model chunk the client takes (0 = any)
};

// State vectors of the trigger and compression policies (previous gradient,
// x_sent, error-feedback residual, sparse values and indices). Sizes that
// cover every policy: client_policy_floats(dim) and client_policy_indices(dim).
// A client with less can still run the policies that fit; others fail at Config.
struct ClientPolicyMemory {
  Span<float> floats;
  Span<uint32_t> indices;
};

struct ClientCounters {
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t send_failures = 0;
  uint64_t offers = 0;
  uint64_t accepts = 0;
  uint64_t rejects = 0;
  uint64_t updates = 0;
  uint64_t skips = 0;            // Skip messages (lazy triggers)
  uint64_t models = 0;           // complete models received
  uint64_t registrations = 0;    // Hello messages sent
  uint64_t errors_received = 0;  // Error messages from the coordinator
  uint64_t discarded = 0;        // received messages that failed verification or checks
  uint64_t unexpected = 0;       // valid messages that did not fit the state
};

class ClientSession {
 public:
  enum class State : uint8_t {
    kIdle,
    kRegistering,
    kAwaitingModel,
    kAwaitingDecision,
    kFinished,
    kFailed,  // configure() refused the coordinator's setup
  };

  // model: holds the received model (capacity = largest model the client
  // accepts); gradient: same size; tx_arena: 4 * model.size() + kMessageOverhead
  // bytes (top-k with fraction h needs 8 * k + kMessageOverhead when that is
  // larger), or (about 1 KB) enough for every message but the dense Update with
  // an Outbox that implements send_parts(): the Update is then streamed from
  // the gradient (update_stream.h). Without policy memory only the stateless
  // policies run (offer-first, every-step, dense).
  ClientSession(const ClientIdentity& identity, Span<float> model, Span<float> gradient,
                Span<uint8_t> tx_arena, GradientSource& source, Outbox& outbox,
                ClientPolicyMemory policy_memory = ClientPolicyMemory());

  // Sends Hello. Also the way to re-register.
  Status start();
  // Handles one received message. Errors in the bytes are counted and dropped,
  // never returned: the return value reports local failures (sending, compute).
  Status on_message(Span<const uint8_t> bytes);
  // Nothing arrived for silence_timeout_ms(): re-register.
  Status on_silence();

  State state() const { return state_; }
  bool done() const { return state_ == State::kFinished || state_ == State::kFailed; }
  const ClientCounters& counters() const { return counters_; }
  uint32_t model_version() const { return model_version_; }
  uint32_t silence_timeout_ms() const { return 3 * heartbeat_ms_; }
  // Why the session failed or how it finished (Bye text, configure error).
  const char* final_message() const { return final_message_; }
  wire::ErrorCode last_error() const { return last_error_; }
  // The last message could not be sent (no connection yet): the owner may
  // retry start() soon instead of waiting out the silence timeout.
  bool last_send_failed() const { return last_send_failed_; }

 private:
  Status send(const Result<Span<const uint8_t>>& message);
  Status record_send(Status status, size_t bytes);
  Status send_streamed_update(const UpdateInfo& update);
  Status handle_config(const wire::Config& config);
  Status handle_chunk(const wire::ModelChunk& chunk);
  Status handle_decision(const wire::Decision& decision);
  Status handle_error(const wire::Error& error);
  Status discard_partial_model();
  Status configure_policies(const wire::Config& config, const TrainingSetup& setup);
  Status fail_configure(const Status& why);
  Status run_trigger();
  Status send_vector(const CompressedVector& vector, uint16_t part, uint16_t parts);
  void set_final_message(const char* text);

  ClientIdentity identity_;
  Span<float> model_;
  Span<float> gradient_;
  Span<uint8_t> tx_arena_;  // the writer's arena, also where a streamed Update's head is built
  MessageWriter writer_;
  GradientSource& source_;
  Outbox& outbox_;

  State state_ = State::kIdle;
  uint32_t seq_ = 0;
  uint32_t heartbeat_ms_ = 1000;
  uint32_t model_dim_ = 0;
  uint32_t chunk_floats_ = 0;
  // Model assembly: chunks of one version arrive with increasing offsets.
  uint32_t assembling_version_ = 0;
  uint32_t next_offset_ = 0;
  // After a bad chunk the rest of that model is dropped quietly until a chunk
  // at offset 0 starts a fresh copy: one ModelRequest per loss, not one per chunk.
  bool resyncing_ = false;
  uint32_t model_version_ = 0;
  // model_ is the whole model of model_version_, the base a delta chunk applies to.
  bool holds_model_ = false;
  // The trigger's last outcome; for an offer in flight, its compressed vector.
  ClientPolicyMemory policy_memory_;
  ClientPolicies policies_;
  TriggerResult pending_;
  CompressedVector offered_vector_;
  uint32_t offered_version_ = 0;
  float offered_norm_ = 0;

  ClientCounters counters_;
  wire::ErrorCode last_error_ = wire::ErrorCode::None;
  bool last_send_failed_ = false;
  char final_message_[128] = {0};
};

const char* client_state_name(ClientSession::State state);

}  // namespace fedgate
