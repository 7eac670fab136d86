#include "core/protocol/codec.h"

#include <cmath>
#include <cstring>

#include "core/base/crc32.h"

namespace fedgate {

uint8_t* MessageWriter::ArenaAllocator::allocate(size_t size) {
  // The builder asks once for its initial size (the whole arena); reserve()
  // guarantees it never needs more.
  return size <= arena_.size() ? arena_.data() : nullptr;
}

// The builder writes back to front, so a message ends where the arena ends:
// trimming both ends to kMessageAlignment makes every message start aligned.
static Span<uint8_t> aligned_arena(Span<uint8_t> arena) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(arena.data());
  const size_t skip = (kMessageAlignment - start % kMessageAlignment) % kMessageAlignment;
  if (arena.size() < skip) return Span<uint8_t>();
  const size_t size = (arena.size() - skip) / kMessageAlignment * kMessageAlignment;
  return Span<uint8_t>(arena.data() + skip, size);
}

MessageWriter::MessageWriter(Span<uint8_t> arena)
    : arena_(aligned_arena(arena)),
      allocator_(arena_),
      builder_(arena_.size(), &allocator_, false, kMessageAlignment) {}

Status MessageWriter::reserve(size_t payload_bytes) {
  builder_.Clear();
  if (payload_bytes + kMessageOverhead > arena_.size()) {
    return Status::error(StatusCode::kResourceExhausted,
                         "message needs %zu bytes, writer arena holds %zu",
                         payload_bytes + kMessageOverhead, arena_.size());
  }
  return Status::ok();
}

Span<const uint8_t> MessageWriter::finish(uint32_t seq, wire::Message type,
                                          flatbuffers::Offset<void> body) {
  auto envelope = wire::CreateEnvelope(builder_, kProtocolVersion, seq, type, body);
  wire::FinishEnvelopeBuffer(builder_, envelope);
  return Span<const uint8_t>(builder_.GetBufferPointer(), builder_.GetSize());
}

static size_t bounded_strlen(const char* text, size_t limit) {
  if (text == nullptr) return 0;
  size_t n = 0;
  while (n < limit && text[n] != '\0') ++n;
  return n;
}

// Strings on the wire are capped so a message's size stays predictable.
constexpr size_t kMaxTextBytes = 200;

Result<Span<const uint8_t>> MessageWriter::hello(uint32_t seq, const HelloInfo& info) {
  const size_t name_length = bounded_strlen(info.name, kMaxTextBytes);
  FG_TRY(reserve(name_length + 8));
  const wire::Codec codecs[] = {wire::Codec::Dense};
  auto codec_vector = builder_.CreateVector(reinterpret_cast<const uint8_t*>(codecs), 1);
  auto name = builder_.CreateString(info.name, name_length);
  wire::HelloBuilder hello(builder_);
  hello.add_device_class(info.device_class);
  hello.add_num_features(info.num_features);
  hello.add_num_classes(info.num_classes);
  hello.add_max_message_bytes(info.max_message_bytes);
  hello.add_max_chunk_floats(info.max_chunk_floats);
  hello.add_max_model_dim(info.max_model_dim);
  hello.add_codecs(flatbuffers::Offset<flatbuffers::Vector<wire::Codec>>(codec_vector.o));
  hello.add_name(name);
  return finish(seq, wire::Message::Hello, hello.Finish().Union());
}

Result<Span<const uint8_t>> MessageWriter::config(uint32_t seq, const ConfigInfo& info) {
  constexpr size_t kMaxParams = 32;
  const size_t count = info.params.size() < kMaxParams ? info.params.size() : kMaxParams;
  size_t text_bytes = bounded_strlen(info.acceptance, kMaxTextBytes) +
                      bounded_strlen(info.stepsize, kMaxTextBytes);
  for (size_t i = 0; i < count; ++i) {
    text_bytes += bounded_strlen(info.params[i].name, kMaxTextBytes) + 32;
  }
  FG_TRY(reserve(text_bytes));
  auto acceptance = builder_.CreateString(info.acceptance, bounded_strlen(info.acceptance, kMaxTextBytes));
  auto stepsize = builder_.CreateString(info.stepsize, bounded_strlen(info.stepsize, kMaxTextBytes));
  flatbuffers::Offset<wire::Param> param_offsets[kMaxParams];
  for (size_t i = 0; i < count; ++i) {
    const auto& p = info.params[i];
    auto name = builder_.CreateString(p.name, bounded_strlen(p.name, kMaxTextBytes));
    param_offsets[i] = wire::CreateParam(builder_, name, p.value);
  }
  auto params = builder_.CreateVector(param_offsets, count);
  wire::ConfigBuilder config(builder_);
  config.add_model_kind(info.model_kind);
  config.add_model_dim(info.model_dim);
  config.add_num_features(info.num_features);
  config.add_num_classes(info.num_classes);
  config.add_hidden_units(info.hidden_units);
  config.add_batch_size(info.batch_size);
  config.add_chunk_floats(info.chunk_floats);
  config.add_heartbeat_ms(info.heartbeat_ms);
  config.add_codec(wire::Codec::Dense);
  config.add_acceptance(acceptance);
  config.add_stepsize(stepsize);
  config.add_params(params);
  return finish(seq, wire::Message::Config, config.Finish().Union());
}

Result<Span<const uint8_t>> MessageWriter::model_chunk(uint32_t seq, uint32_t version,
                                                       uint32_t offset, uint32_t total,
                                                       Span<const float> weights) {
  FG_TRY(reserve(weights.size() * sizeof(float)));
  auto values = builder_.CreateVector(weights.data(), weights.size());
  auto chunk = wire::CreateModelChunk(builder_, version, offset, total, chunk_crc(weights), values);
  return finish(seq, wire::Message::ModelChunk, chunk.Union());
}

Result<Span<const uint8_t>> MessageWriter::model_request(uint32_t seq, uint32_t have_version) {
  FG_TRY(reserve(0));
  wire::ModelRequest request(have_version);
  return finish(seq, wire::Message::ModelRequest, builder_.CreateStruct(request).Union());
}

Result<Span<const uint8_t>> MessageWriter::offer(uint32_t seq, const OfferInfo& info) {
  FG_TRY(reserve(0));
  wire::Offer offer(info.version, info.grad_norm, info.loss, info.samples, info.compute_us);
  return finish(seq, wire::Message::Offer, builder_.CreateStruct(offer).Union());
}

Result<Span<const uint8_t>> MessageWriter::decision(uint32_t seq, uint32_t offer_version,
                                                    uint32_t current_version, bool accept) {
  FG_TRY(reserve(0));
  wire::Decision decision(offer_version, current_version, accept);
  return finish(seq, wire::Message::Decision, builder_.CreateStruct(decision).Union());
}

Result<Span<const uint8_t>> MessageWriter::update(uint32_t seq, const UpdateInfo& info) {
  FG_TRY(reserve(info.values.size() * sizeof(float)));
  auto values = builder_.CreateVector(info.values.data(), info.values.size());
  wire::UpdateBuilder update(builder_);
  update.add_version(info.version);
  update.add_kind(wire::UpdateKind::Gradient);
  update.add_codec(wire::Codec::Dense);
  update.add_grad_norm(info.grad_norm);
  update.add_dim(static_cast<uint32_t>(info.values.size()));
  update.add_values(values);
  update.add_samples(info.samples);
  update.add_compute_us(info.compute_us);
  return finish(seq, wire::Message::Update, update.Finish().Union());
}

Result<Span<const uint8_t>> MessageWriter::skip(uint32_t seq, uint32_t version) {
  FG_TRY(reserve(0));
  wire::Skip skip(version);
  return finish(seq, wire::Message::Skip, builder_.CreateStruct(skip).Union());
}

Result<Span<const uint8_t>> MessageWriter::heartbeat(uint32_t seq, uint32_t version) {
  FG_TRY(reserve(0));
  wire::Heartbeat heartbeat(version);
  return finish(seq, wire::Message::Heartbeat, builder_.CreateStruct(heartbeat).Union());
}

Result<Span<const uint8_t>> MessageWriter::bye(uint32_t seq, wire::ByeReason reason,
                                               const char* message) {
  const size_t length = bounded_strlen(message, kMaxTextBytes);
  FG_TRY(reserve(length));
  auto text = builder_.CreateString(message, length);
  return finish(seq, wire::Message::Bye, wire::CreateBye(builder_, reason, text).Union());
}

Result<Span<const uint8_t>> MessageWriter::error(uint32_t seq, wire::ErrorCode code,
                                                 uint32_t ref_seq, const char* message) {
  const size_t length = bounded_strlen(message, kMaxTextBytes);
  FG_TRY(reserve(length));
  auto text = builder_.CreateString(message, length);
  return finish(seq, wire::Message::Error, wire::CreateError(builder_, code, ref_seq, text).Union());
}

const wire::Envelope* verify_envelope(Span<const uint8_t> bytes, wire::ErrorCode* error) {
  // Identifier first: it gives a sharper message than a failed verification.
  if (bytes.size() < 8 || reinterpret_cast<uintptr_t>(bytes.data()) % kMessageAlignment != 0) {
    *error = wire::ErrorCode::Unverifiable;
    return nullptr;
  }
  if (!wire::EnvelopeBufferHasIdentifier(bytes.data())) {
    *error = wire::ErrorCode::WrongIdentifier;
    return nullptr;
  }
  // Depth and table counts bound the verifier's own work on hostile input.
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/16,
                                 /*max_tables=*/256);
  if (!wire::VerifyEnvelopeBuffer(verifier)) {
    *error = wire::ErrorCode::Unverifiable;
    return nullptr;
  }
  const wire::Envelope* envelope = wire::GetEnvelope(bytes.data());
  if (envelope->protocol_version() != kProtocolVersion) {
    *error = wire::ErrorCode::UnsupportedProtocol;
    return nullptr;
  }
  if (envelope->message_type() == wire::Message::NONE) {
    *error = wire::ErrorCode::Unverifiable;
    return nullptr;
  }
  *error = wire::ErrorCode::None;
  return envelope;
}

uint32_t chunk_crc(Span<const float> weights) {
  return crc32(weights.data(), weights.size() * sizeof(float));
}

bool all_finite(Span<const float> values) {
  for (float v : values) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

double l2_norm(Span<const float> values) {
  double sum = 0;
  for (float v : values) sum += static_cast<double>(v) * v;
  return std::sqrt(sum);
}

const char* error_code_text(wire::ErrorCode code) {
  switch (code) {
    case wire::ErrorCode::None: return "no error";
    case wire::ErrorCode::Unverifiable: return "message failed verification";
    case wire::ErrorCode::WrongIdentifier: return "not a fedgate message (file identifier)";
    case wire::ErrorCode::UnsupportedProtocol: return "unsupported protocol version";
    case wire::ErrorCode::UnknownClient: return "unknown client: send Hello first";
    case wire::ErrorCode::UnexpectedMessage: return "message not expected now";
    case wire::ErrorCode::DimensionMismatch: return "vector does not fit the model dimension";
    case wire::ErrorCode::NonFinite: return "NaN or Inf in message";
    case wire::ErrorCode::VersionFromFuture: return "version is newer than the coordinator's";
    case wire::ErrorCode::VersionOutsideWindow: return "version is older than the window";
    case wire::ErrorCode::NormMismatch: return "update norm does not match its offer";
    case wire::ErrorCode::MessageTooLarge: return "message too large";
    case wire::ErrorCode::DataMismatch: return "client data does not match the model";
    case wire::ErrorCode::UnsupportedCodec: return "unsupported update codec";
    case wire::ErrorCode::ShuttingDown: return "coordinator is shutting down";
    case wire::ErrorCode::Internal: return "internal error";
  }
  return "unknown error code";
}

}  // namespace fedgate
