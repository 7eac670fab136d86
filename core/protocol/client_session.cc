#include "core/protocol/client_session.h"

#include <cmath>
#include <cstring>

#include "core/compression/model_codec.h"
#include "core/protocol/update_stream.h"

namespace fedgate {

const char* client_state_name(ClientSession::State state) {
  switch (state) {
    case ClientSession::State::kIdle: return "idle";
    case ClientSession::State::kRegistering: return "registering";
    case ClientSession::State::kAwaitingModel: return "awaiting-model";
    case ClientSession::State::kAwaitingDecision: return "awaiting-decision";
    case ClientSession::State::kFinished: return "finished";
    case ClientSession::State::kFailed: return "failed";
  }
  return "unknown";
}

ClientSession::ClientSession(const ClientIdentity& identity, Span<float> model,
                             Span<float> gradient, Span<uint8_t> tx_arena, GradientSource& source,
                             Outbox& outbox, ClientPolicyMemory policy_memory)
    : identity_(identity),
      model_(model),
      gradient_(gradient),
      tx_arena_(tx_arena),
      writer_(tx_arena),
      source_(source),
      outbox_(outbox),
      policy_memory_(policy_memory) {}

void ClientSession::set_final_message(const char* text) {
  // Cut to the buffer (a gateway Status holds more than fits a Bye).
  std::snprintf(final_message_, sizeof(final_message_), "%.*s",
                static_cast<int>(sizeof(final_message_) - 1), text);
}

Status ClientSession::send(const Result<Span<const uint8_t>>& message) {
  if (!message.is_ok()) return message.status();
  return record_send(outbox_.send(*message), message->size());
}

Status ClientSession::record_send(Status status, size_t bytes) {
  last_send_failed_ = !status.is_ok();
  if (!status.is_ok()) {
    ++counters_.send_failures;
    // Not connected: the silence timeout re-registers once the link is back.
    return status.code() == StatusCode::kUnavailable ? Status::ok() : status;
  }
  ++counters_.messages_sent;
  counters_.bytes_sent += bytes;
  return Status::ok();
}

Status ClientSession::send_streamed_update(const UpdateInfo& update) {
  Result<Span<const uint8_t>> head = update_head(tx_arena_, ++seq_, update);
  if (!head.is_ok()) return head.status();
  const Span<const uint8_t> tail(reinterpret_cast<const uint8_t*>(update.values.data()),
                                 update.values.size() * sizeof(float));
  return record_send(outbox_.send_parts(*head, tail), head->size() + tail.size());
}

Status ClientSession::start() {
  if (done()) return Status::error(StatusCode::kFailedPrecondition, "session already ended");
  HelloInfo hello;
  hello.device_class = identity_.device_class;
  hello.num_features = source_.num_features();
  hello.num_classes = source_.num_classes();
  hello.max_message_bytes = identity_.max_message_bytes;
  hello.max_chunk_floats = identity_.max_chunk_floats;
  hello.max_model_dim = static_cast<uint32_t>(model_.size());
  hello.name = identity_.name;
  state_ = State::kRegistering;
  resyncing_ = false;
  ++counters_.registrations;
  return send(writer_.hello(++seq_, hello));
}

Status ClientSession::on_silence() {
  if (done()) return Status::ok();
  return start();
}

Status ClientSession::on_message(Span<const uint8_t> bytes) {
  ++counters_.messages_received;
  counters_.bytes_received += bytes.size();
  if (done()) return Status::ok();
  wire::ErrorCode error = wire::ErrorCode::None;
  const wire::Envelope* envelope = verify_envelope(bytes, &error);
  if (envelope == nullptr) {
    ++counters_.discarded;
    return Status::ok();
  }
  switch (envelope->message_type()) {
    case wire::Message::Config: return handle_config(*envelope->message_as_Config());
    case wire::Message::ModelChunk: return handle_chunk(*envelope->message_as_ModelChunk());
    case wire::Message::Decision: return handle_decision(*envelope->message_as_Decision());
    case wire::Message::Error: return handle_error(*envelope->message_as_Error());
    case wire::Message::Bye: {
      const auto* bye = envelope->message_as_Bye();
      set_final_message(bye->message() != nullptr ? bye->message()->c_str() : "bye");
      state_ = State::kFinished;
      return Status::ok();
    }
    default: ++counters_.unexpected; return Status::ok();
  }
}

Status ClientSession::handle_config(const wire::Config& config) {
  TrainingSetup setup;
  setup.model_kind = config.model_kind();
  setup.model_dim = config.model_dim();
  setup.num_features = config.num_features();
  setup.num_classes = config.num_classes();
  setup.hidden_units = config.hidden_units();
  setup.batch_size = config.batch_size();
  if (setup.model_dim == 0 || setup.model_dim > model_.size()) {
    std::snprintf(final_message_, sizeof(final_message_),
                  "coordinator's model has %u parameters, this client holds at most %zu",
                  setup.model_dim, model_.size());
    state_ = State::kFailed;
    (void)send(writer_.bye(++seq_, wire::ByeReason::ClientExit, final_message_));
    return Status::error(StatusCode::kResourceExhausted, "%s", final_message_);
  }
  Status configured = source_.configure(setup);
  if (!configured.is_ok()) return fail_configure(configured);
  FG_TRY(configure_policies(config, setup));
  model_dim_ = setup.model_dim;
  chunk_floats_ = config.chunk_floats();
  if (config.heartbeat_ms() > 0) heartbeat_ms_ = config.heartbeat_ms();
  next_offset_ = 0;
  resyncing_ = false;
  state_ = State::kAwaitingModel;
  return Status::ok();
}

Status ClientSession::fail_configure(const Status& why) {
  set_final_message(why.message());
  state_ = State::kFailed;
  (void)send(writer_.bye(++seq_, wire::ByeReason::ClientExit, final_message_));
  return why;
}

// A seed that differs between clients, so their rand-k masks are independent.
static uint64_t name_seed(const char* name) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (const char* c = name; c != nullptr && *c != '\0'; ++c) {
    hash = (hash ^ static_cast<uint8_t>(*c)) * 1099511628211ull;
  }
  return hash;
}

Status ClientSession::configure_policies(const wire::Config& config, const TrainingSetup& setup) {
  constexpr size_t kMaxParams = 32;
  NamedParam params[kMaxParams];
  size_t count = 0;
  if (config.params() != nullptr) {
    for (const wire::Param* param : *config.params()) {
      if (count == kMaxParams) break;
      params[count++] = NamedParam{param->name()->c_str(), param->value()};
    }
  }
  ClientPolicySpec spec;
  spec.params = Span<const NamedParam>(params, count);
  if (config.trigger() != nullptr) spec.trigger = config.trigger()->c_str();
  if (config.compression() != nullptr) {
    spec.compression = config.compression()->c_str();
  } else if (config.codec() != wire::Codec::Dense) {
    // A Config that names a sparse codec but no policy: use its default settings.
    spec.compression = config.codec() == wire::Codec::TopK ? "topk" : "randk";
  }
  Status built = policies_.configure(spec, setup, policy_memory_.floats, policy_memory_.indices,
                                     name_seed(identity_.name));
  if (!built.is_ok()) return fail_configure(built);
  if (policies_.needs().recompute && !source_.can_recompute()) {
    return fail_configure(Status::error(
        StatusCode::kFailedPrecondition,
        "the %s trigger compares two gradients on one minibatch; this client cannot recompute one",
        spec.trigger));
  }
  // Payload plus the Update's framing (update_arena_bytes with no vectors).
  const size_t largest = policies_.needs().max_payload_bytes + update_arena_bytes(0, 0);
  // A dense Update larger than the arena is streamed from the gradient (send_vector).
  const bool streamed =
      policies_.needs().codec == wire::Codec::Dense && writer_.capacity() >= kUpdateHeadArenaBytes;
  if (largest > writer_.capacity() && !streamed) {
    return fail_configure(
        Status::error(StatusCode::kResourceExhausted,
                      "a %s update needs a %zu-byte send buffer, this client has %zu",
                      policies_.compressor().name(), largest, writer_.capacity()));
  }
  return Status::ok();
}

Status ClientSession::handle_chunk(const wire::ModelChunk& chunk) {
  if (state_ != State::kAwaitingModel) {
    ++counters_.unexpected;
    return Status::ok();
  }
  if (resyncing_ && chunk.offset() != 0) {
    ++counters_.discarded;
    return Status::ok();
  }
  const bool encoded = chunk.encoding() != wire::ModelEncoding::Dense;
  const auto* weights = chunk.weights();
  const auto* packed = chunk.packed();
  const uint32_t count =
      encoded ? chunk.count() : (weights == nullptr ? 0 : static_cast<uint32_t>(weights->size()));
  const bool fits = chunk.total() == model_dim_ && chunk.offset() <= model_dim_ &&
                    count <= model_dim_ - chunk.offset() && count > 0;
  const bool in_sequence = chunk.offset() == 0 || (chunk.offset() == next_offset_ &&
                                                   chunk.version() == assembling_version_);
  if (!fits || !in_sequence) return discard_partial_model();
  if (encoded) {
    // A delta applies only to the exact model it was coded against (docs/protocol.md,
    // "Model downlink encodings").
    const bool applies = packed != nullptr && model_encoding_bytes(chunk.encoding(), count) > 0 &&
                         packed->size() == model_encoding_bytes(chunk.encoding(), count) &&
                         (!is_delta_encoding(chunk.encoding()) ||
                          (holds_model_ && chunk.base_version() == model_version_));
    if (!applies) return discard_partial_model();
    const Span<const uint8_t> bytes(packed->data(), packed->size());
    Span<float> held = model_.subspan(chunk.offset(), count);
    bool finite = false;
    // Verified before anything is written, then decoded in place.
    if (decoded_chunk_crc(chunk.encoding(), bytes, chunk.scale(), held, &finite) != chunk.crc32() ||
        !finite) {
      return discard_partial_model();
    }
    apply_model_chunk(chunk.encoding(), bytes, chunk.scale(), held);
  } else {
    const Span<const float> values(weights->data(), count);
    if (chunk_crc(values) != chunk.crc32() || !all_finite(values)) return discard_partial_model();
    // Verified: write straight into place.
    std::memcpy(model_.data() + chunk.offset(), values.data(), count * sizeof(float));
  }
  resyncing_ = false;
  assembling_version_ = chunk.version();
  next_offset_ = chunk.offset() + count;
  if (next_offset_ < model_dim_) return Status::ok();

  next_offset_ = 0;
  model_version_ = assembling_version_;
  holds_model_ = true;
  ++counters_.models;
  // The model's last chunk says how much to compute for it (a Shadowheart budget) or nothing.
  if (policies_.ready()) policies_.trigger().set_budget(chunk.batches(), chunk.sends());
  return run_trigger();
}

Status ClientSession::discard_partial_model() {
  // A lost or mangled chunk: drop the partial model and ask for a fresh one.
  ++counters_.discarded;
  next_offset_ = 0;
  resyncing_ = true;
  // Part of the model may already be the next version: no delta applies to it
  // until a dense model arrives (a ModelRequest gets one).
  holds_model_ = false;
  return send(writer_.model_request(++seq_, model_version_));
}

Status ClientSession::run_trigger() {
  if (!policies_.ready()) return Status::error(StatusCode::kFailedPrecondition, "no Config yet");
  const Span<float> model = model_.subspan(0, model_dim_);
  const Span<float> vector = gradient_.subspan(0, model_dim_);
  Result<TriggerResult> result =
      policies_.trigger().on_model(model_version_, model, vector, source_);
  if (!result.is_ok()) return result.status();
  pending_ = *result;
  offered_version_ = model_version_;
  state_ = State::kAwaitingModel;  // what follows a Skip or Update; an Offer overrides it
  switch (pending_.action) {
    case TriggerAction::kSkip: ++counters_.skips; return send(writer_.skip(++seq_, model_version_));
    case TriggerAction::kSend: {
      const uint16_t parts =
          static_cast<uint16_t>(pending_.sends > 0xFFFF ? 0xFFFF : pending_.sends);
      for (uint16_t part = 0; part < parts; ++part) {
        const CompressedVector compressed = policies_.compressor().compress(vector);
        FG_TRY(send_vector(compressed, part, parts));
      }
      policies_.trigger().on_sent(model, vector);
      return Status::ok();
    }
    case TriggerAction::kOffer: break;
  }
  // The offer carries the norm of exactly what an accepted Update will decode to.
  offered_vector_ = policies_.compressor().compress(vector);
  offered_norm_ = static_cast<float>(offered_vector_.norm());
  OfferInfo offer;
  offer.version = offered_version_;
  offer.grad_norm = offered_norm_;
  offer.loss = pending_.stats.loss;
  state_ = State::kAwaitingDecision;
  ++counters_.offers;
  return send(writer_.offer(++seq_, offer));
}

Status ClientSession::send_vector(const CompressedVector& vector, uint16_t part, uint16_t parts) {
  UpdateInfo update;
  update.version = offered_version_;
  update.kind = pending_.kind;
  update.vector = vector;
  update.grad_norm = static_cast<float>(vector.norm());
  update.samples = pending_.stats.samples;
  update.compute_us = pending_.stats.compute_us;
  update.steps = pending_.steps;
  update.round = pending_.round;
  update.part = part;
  update.parts = parts;
  ++counters_.updates;
  // A dense vector larger than the transmit arena (an MCU's) is streamed from the gradient.
  const bool streamed = vector.codec == wire::Codec::Dense &&
                        update_arena_bytes(vector.values.size(), 0) > writer_.capacity();
  if (streamed) {
    update.values = vector.values;
    update.vector = CompressedVector();
  }
  Status sent = streamed ? send_streamed_update(update) : send(writer_.update(++seq_, update));
  // Error feedback keeps what this message left out only once it went out.
  if (sent.is_ok()) policies_.compressor().commit();
  return sent;
}

Status ClientSession::handle_decision(const wire::Decision& decision) {
  if (state_ != State::kAwaitingDecision || decision.offer_version() != offered_version_) {
    ++counters_.unexpected;
    return Status::ok();
  }
  // Either way the coordinator sends its newer model next.
  state_ = State::kAwaitingModel;
  if (!decision.accept()) {
    ++counters_.rejects;
    policies_.compressor().discard();
    return Status::ok();
  }
  ++counters_.accepts;
  FG_TRY(send_vector(offered_vector_, 0, 1));
  policies_.trigger().on_sent(model_.subspan(0, model_dim_), gradient_.subspan(0, model_dim_));
  return Status::ok();
}

Status ClientSession::handle_error(const wire::Error& error) {
  ++counters_.errors_received;
  last_error_ = error.code();
  const char* text =
      error.message() != nullptr ? error.message()->c_str() : error_code_text(error.code());
  if (error.code() == wire::ErrorCode::UnknownClient) {
    // The coordinator restarted or forgot us: register again.
    return start();
  }
  if (error.code() == wire::ErrorCode::ShuttingDown) {
    set_final_message(text);
    state_ = State::kFinished;
    return Status::ok();
  }
  if (state_ == State::kRegistering || error.code() == wire::ErrorCode::DataMismatch ||
      error.code() == wire::ErrorCode::UnsupportedProtocol) {
    // A refused Hello does not get better by repeating it.
    std::snprintf(final_message_, sizeof(final_message_), "coordinator refused this client: %s",
                  text);
    state_ = State::kFailed;
    return Status::ok();
  }
  if (error.code() == wire::ErrorCode::VersionOutsideWindow) {
    // A fresh model follows.
    state_ = State::kAwaitingModel;
    return Status::ok();
  }
  // Anything else: get back in step with the current model.
  state_ = State::kAwaitingModel;
  next_offset_ = 0;
  return send(writer_.model_request(++seq_, model_version_));
}

}  // namespace fedgate
