#include "core/protocol/codec.h"

#include <algorithm>
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
                                          flatbuffers::Offset<void> body,
                                          uint8_t protocol_version) {
  auto envelope = wire::CreateEnvelope(builder_, protocol_version, seq, type, body);
  wire::FinishEnvelopeBuffer(builder_, envelope);
  // The builder aligns the message's end; its start is only as aligned as its widest
  // scalar (4 bytes but for Config's doubles). Moving a message without 8-byte
  // scalars down by 4 keeps everything in it aligned and its start on the boundary.
  uint8_t* data = builder_.GetBufferPointer();
  const size_t size = builder_.GetSize();
  const size_t misaligned = reinterpret_cast<uintptr_t>(data) % kMessageAlignment;
  if (misaligned != 0 && static_cast<size_t>(data - arena_.data()) >= misaligned) {
    std::memmove(data - misaligned, data, size);
    data -= misaligned;
  }
  return Span<const uint8_t>(data, size);
}

static size_t bounded_strlen(const char* text, size_t limit) {
  if (text == nullptr) return 0;
  size_t n = 0;
  while (n < limit && text[n] != '\0') ++n;
  return n;
}

// Strings on the wire are capped so a message's size stays predictable.
constexpr size_t kMaxTextBytes = 200;

flatbuffers::Offset<flatbuffers::String> MessageWriter::create_text(const char* text) {
  return builder_.CreateString(text, bounded_strlen(text, kMaxTextBytes));
}

Result<Span<const uint8_t>> MessageWriter::hello(uint32_t seq, const HelloInfo& info) {
  FG_TRY(reserve(bounded_strlen(info.name, kMaxTextBytes) + 8));
  // ClientSession encodes every codec (core/compression).
  const wire::Codec codecs[] = {wire::Codec::Dense, wire::Codec::TopK, wire::Codec::RandK};
  auto codec_vector = builder_.CreateVector(reinterpret_cast<const uint8_t*>(codecs), 3);
  auto name = create_text(info.name);
  const wire::ModelEncoding encodings[] = {
      wire::ModelEncoding::Fp16, wire::ModelEncoding::Int8Delta, wire::ModelEncoding::Int4Delta};
  flatbuffers::Offset<flatbuffers::Vector<wire::ModelEncoding>> encoding_vector;
  if (info.applies_encoded_models) {
    encoding_vector = flatbuffers::Offset<flatbuffers::Vector<wire::ModelEncoding>>(
        builder_.CreateVector(reinterpret_cast<const uint8_t*>(encodings), 3).o);
  }
  auto hello = wire::CreateHello(
      builder_, info.device_class, info.num_features, info.num_classes, info.max_message_bytes,
      info.max_chunk_floats, info.max_model_dim,
      flatbuffers::Offset<flatbuffers::Vector<wire::Codec>>(codec_vector.o), name, encoding_vector);
  return finish(seq, wire::Message::Hello, hello.Union());
}

Result<Span<const uint8_t>> MessageWriter::config(uint32_t seq, const ConfigInfo& info) {
  constexpr size_t kMaxParams = 32;
  const size_t count = info.params.size() < kMaxParams ? info.params.size() : kMaxParams;
  size_t text_bytes = bounded_strlen(info.acceptance, kMaxTextBytes) +
                      bounded_strlen(info.stepsize, kMaxTextBytes) +
                      bounded_strlen(info.trigger, kMaxTextBytes) +
                      bounded_strlen(info.compression, kMaxTextBytes) + 16;
  for (size_t i = 0; i < count; ++i) {
    text_bytes += bounded_strlen(info.params[i].name, kMaxTextBytes) + 32;
  }
  FG_TRY(reserve(text_bytes));
  auto acceptance = create_text(info.acceptance);
  auto stepsize = create_text(info.stepsize);
  flatbuffers::Offset<wire::Param> param_offsets[kMaxParams];
  for (size_t i = 0; i < count; ++i) {
    const auto& p = info.params[i];
    param_offsets[i] = wire::CreateParam(builder_, create_text(p.name), p.value);
  }
  auto params = builder_.CreateVector(param_offsets, count);
  // Absent rather than empty, so older coordinators and new ones read alike.
  flatbuffers::Offset<flatbuffers::String> trigger, compression;
  if (bounded_strlen(info.trigger, 1) != 0) trigger = create_text(info.trigger);
  if (bounded_strlen(info.compression, 1) != 0) compression = create_text(info.compression);
  // Null offsets (the absent trigger and compression) are left out of the table.
  auto config = wire::CreateConfig(builder_, info.model_kind, info.model_dim, info.num_features,
                                   info.num_classes, info.hidden_units, info.batch_size,
                                   info.chunk_floats, info.heartbeat_ms, info.codec, acceptance,
                                   stepsize, params, trigger, compression);
  return finish(seq, wire::Message::Config, config.Union());
}

Result<Span<const uint8_t>> MessageWriter::model_chunk(uint32_t seq, uint32_t version,
                                                       uint32_t offset, uint32_t total,
                                                       Span<const float> weights) {
  FG_TRY(reserve(weights.size() * sizeof(float)));
  auto values = builder_.CreateVector(weights.data(), weights.size());
  const RoundBudget budget = budget_on(offset, static_cast<uint32_t>(weights.size()), total);
  auto chunk =
      wire::CreateModelChunk(builder_, version, offset, total, chunk_crc(weights), values,
                             wire::ModelEncoding::Dense, 0, 0, 0, 0, budget.batches, budget.sends);
  return finish(seq, wire::Message::ModelChunk, chunk.Union());
}

Result<Span<const uint8_t>> MessageWriter::encoded_model_chunk(uint32_t seq,
                                                               const EncodedChunkInfo& info) {
  FG_TRY(reserve(info.packed.size() + 16));
  auto packed = builder_.CreateVector(info.packed.data(), info.packed.size());
  const RoundBudget budget = budget_on(info.offset, info.count, info.total);
  auto chunk = wire::CreateModelChunk(builder_, info.version, info.offset, info.total, info.crc32,
                                      0, info.encoding, info.base_version, info.scale, info.count,
                                      packed, budget.batches, budget.sends);
  return finish(seq, wire::Message::ModelChunk, chunk.Union());
}

RoundBudget MessageWriter::budget_on(uint32_t offset, uint32_t count, uint32_t total) const {
  // Only the chunk that completes the model: that is when the client starts to compute.
  // Zeros are left out of the table, so a chunk without a budget is as before.
  const bool last = static_cast<uint64_t>(offset) + count == total;
  return last ? budget_ : RoundBudget();
}

Result<Span<const uint8_t>> MessageWriter::model_request(uint32_t seq, uint32_t have_version) {
  FG_TRY(reserve(0));
  return finish(seq, wire::Message::ModelRequest,
                wire::CreateModelRequest(builder_, have_version).Union());
}

Result<Span<const uint8_t>> MessageWriter::offer(uint32_t seq, const OfferInfo& info) {
  FG_TRY(reserve(0));
  const wire::OfferBody body(info.version, info.grad_norm, info.loss);
  return finish(seq, wire::Message::Offer, wire::CreateOffer(builder_, &body).Union());
}

Result<Span<const uint8_t>> MessageWriter::decision(uint32_t seq, uint32_t offer_version,
                                                    uint32_t current_version, bool accept) {
  FG_TRY(reserve(0));
  return finish(seq, wire::Message::Decision,
                wire::CreateDecision(builder_, offer_version, current_version, accept).Union());
}

Result<Span<const uint8_t>> MessageWriter::update(uint32_t seq, const UpdateInfo& info) {
  CompressedVector vector = info.vector;
  if (vector.values.empty()) {
    vector = CompressedVector();
    vector.values = info.values;
    vector.dim = static_cast<uint32_t>(info.values.size());
  }
  FG_TRY(
      reserve(update_arena_bytes(vector.values.size(), vector.indices.size()) - kMessageOverhead));
  flatbuffers::Offset<flatbuffers::Vector<uint32_t>> indices;
  if (vector.codec == wire::Codec::TopK) {
    indices = builder_.CreateVector(vector.indices.data(), vector.indices.size());
  }
  auto values = builder_.CreateVector(vector.values.data(), vector.values.size());
  // A null indices offset and a zero seed (the field's default) are left out of the table.
  const uint32_t seed = vector.codec == wire::Codec::RandK ? vector.seed : 0;
  auto update = wire::CreateUpdate(builder_, info.version, info.kind, vector.codec, info.grad_norm,
                                   vector.dim, values, indices, seed, vector.scale, info.samples,
                                   info.compute_us, info.steps, info.round, info.part, info.parts);
  return finish(seq, wire::Message::Update, update.Union());
}

Result<Span<const uint8_t>> MessageWriter::skip(uint32_t seq, uint32_t version) {
  FG_TRY(reserve(0));
  return finish(seq, wire::Message::Skip, wire::CreateSkip(builder_, version).Union());
}

Result<Span<const uint8_t>> MessageWriter::heartbeat(uint32_t seq, uint32_t version) {
  FG_TRY(reserve(0));
  return finish(seq, wire::Message::Heartbeat, wire::CreateHeartbeat(builder_, version).Union());
}

Result<Span<const uint8_t>> MessageWriter::bye(uint32_t seq, wire::ByeReason reason,
                                               const char* message) {
  FG_TRY(reserve(bounded_strlen(message, kMaxTextBytes)));
  auto text = create_text(message);
  return finish(seq, wire::Message::Bye, wire::CreateBye(builder_, reason, text).Union());
}

Result<Span<const uint8_t>> MessageWriter::error(uint32_t seq, wire::ErrorCode code,
                                                 uint32_t ref_seq, const char* message,
                                                 uint8_t protocol_version) {
  FG_TRY(reserve(bounded_strlen(message, kMaxTextBytes)));
  auto text = create_text(message);
  return finish(seq, wire::Message::Error, wire::CreateError(builder_, code, ref_seq, text).Union(),
                protocol_version);
}

uint8_t envelope_protocol_version(Span<const uint8_t> bytes) {
  if (bytes.size() < 8 || reinterpret_cast<uintptr_t>(bytes.data()) % kMessageAlignment != 0) {
    return 0;
  }
  // Only the root offset, the Envelope's vtable and its first field: every
  // protocol version keeps them, while the message inside may not verify
  // against this version's schema.
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/16,
                                 /*max_tables=*/256);
  if (verifier.VerifyOffset(0) == 0) return 0;
  const auto* table = flatbuffers::GetRoot<flatbuffers::Table>(bytes.data());
  if (!table->VerifyTableStart(verifier) ||
      !table->VerifyField<uint8_t>(verifier, wire::Envelope::VT_PROTOCOL_VERSION, 1)) {
    return 0;
  }
  return table->GetField<uint8_t>(wire::Envelope::VT_PROTOCOL_VERSION, 0);
}

// Why `bytes` is not a usable envelope, or None when it is one.
static wire::ErrorCode envelope_error(Span<const uint8_t> bytes) {
  // Identifier first: it gives a sharper message than a failed verification.
  if (bytes.size() < 8 || reinterpret_cast<uintptr_t>(bytes.data()) % kMessageAlignment != 0) {
    return wire::ErrorCode::Unverifiable;
  }
  if (!wire::EnvelopeBufferHasIdentifier(bytes.data())) return wire::ErrorCode::WrongIdentifier;
  // The version before the full verification: another version's message need
  // not verify against this schema, and its sender should hear why.
  const uint8_t version = envelope_protocol_version(bytes);
  if (version != 0 && version != kProtocolVersion) return wire::ErrorCode::UnsupportedProtocol;
  // Depth and table counts bound the verifier's own work on hostile input.
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/16,
                                 /*max_tables=*/256);
  if (!wire::VerifyEnvelopeBuffer(verifier)) return wire::ErrorCode::Unverifiable;
  const wire::Envelope* envelope = wire::GetEnvelope(bytes.data());
  if (envelope->protocol_version() != kProtocolVersion) return wire::ErrorCode::UnsupportedProtocol;
  if (envelope->message_type() == wire::Message::NONE) return wire::ErrorCode::Unverifiable;
  return wire::ErrorCode::None;
}

const wire::Envelope* verify_envelope(Span<const uint8_t> bytes, wire::ErrorCode* error) {
  *error = envelope_error(bytes);
  return *error == wire::ErrorCode::None ? wire::GetEnvelope(bytes.data()) : nullptr;
}

uint32_t chunk_crc(Span<const float> weights) {
  return crc32(weights.data(), weights.size() * sizeof(float));
}

bool all_finite(Span<const float> values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

double l2_norm(Span<const float> values) {
  double sum = 0;
  for (float v : values) sum += static_cast<double>(v) * v;
  return std::sqrt(sum);
}

Result<Span<const float>> decode_update(const wire::Update& update, uint32_t model_dim,
                                        Span<float> scratch, wire::ErrorCode* code) {
  *code = wire::ErrorCode::DimensionMismatch;
  const auto* values = update.values();
  const auto* indices = update.indices();
  const size_t k = values == nullptr ? 0 : values->size();
  const size_t index_count = indices == nullptr ? 0 : indices->size();
  if (update.dim() != model_dim) {
    return Status::error(StatusCode::kInvalidArgument, "update.dim = %u, the model has %u",
                         static_cast<unsigned>(update.dim()), static_cast<unsigned>(model_dim));
  }
  const wire::Codec codec = update.codec();
  if (codec == wire::Codec::Dense) {
    if (k != model_dim || index_count != 0) {
      return Status::error(StatusCode::kInvalidArgument,
                           "dense update has %zu values and %zu indices, the model has %u", k,
                           index_count, static_cast<unsigned>(model_dim));
    }
  } else if (codec == wire::Codec::TopK || codec == wire::Codec::RandK) {
    if (k == 0 || k > model_dim) {
      return Status::error(StatusCode::kInvalidArgument,
                           "%s update has k = %zu values, allowed 1..%u",
                           wire::EnumNameCodec(codec), k, static_cast<unsigned>(model_dim));
    }
    const size_t expected_indices = codec == wire::Codec::TopK ? k : 0;
    if (index_count != expected_indices) {
      return Status::error(StatusCode::kInvalidArgument,
                           "%s update has %zu indices for %zu values (expected %zu)",
                           wire::EnumNameCodec(codec), index_count, k, expected_indices);
    }
    for (size_t j = 0; j < index_count; ++j) {
      const uint32_t index = indices->Get(static_cast<flatbuffers::uoffset_t>(j));
      if (index >= model_dim) {
        return Status::error(StatusCode::kInvalidArgument,
                             "update.indices[%zu] = %u is not below dim %u", j,
                             static_cast<unsigned>(index), static_cast<unsigned>(model_dim));
      }
      if (j > 0 && index <= indices->Get(static_cast<flatbuffers::uoffset_t>(j - 1))) {
        return Status::error(
            StatusCode::kInvalidArgument,
            "update.indices must increase strictly: [%zu] = %u after %u", j,
            static_cast<unsigned>(index),
            static_cast<unsigned>(indices->Get(static_cast<flatbuffers::uoffset_t>(j - 1))));
      }
    }
  } else {
    *code = wire::ErrorCode::UnsupportedCodec;
    return Status::error(StatusCode::kInvalidArgument, "update.codec %u is unknown",
                         static_cast<unsigned>(codec));
  }
  *code = wire::ErrorCode::NonFinite;
  const float scale = update.scale();
  if (!std::isfinite(scale) || scale <= 0) {
    return Status::error(StatusCode::kInvalidArgument, "update.scale = %g must be finite and > 0",
                         static_cast<double>(scale));
  }
  const Span<const float> carried(values->data(), k);
  if (!all_finite(carried)) {
    return Status::error(StatusCode::kInvalidArgument, "update holds NaN or Inf");
  }
  *code = wire::ErrorCode::None;
  if (codec == wire::Codec::Dense && scale == 1.0f) return carried;
  if (scratch.size() < model_dim) {
    *code = wire::ErrorCode::Internal;
    return Status::error(StatusCode::kInternal, "decode buffer of %zu floats for dim %u",
                         scratch.size(), static_cast<unsigned>(model_dim));
  }
  CompressedVector vector;
  vector.codec = codec;
  vector.dim = model_dim;
  vector.values = carried;
  if (indices != nullptr) vector.indices = Span<const uint32_t>(indices->data(), index_count);
  vector.seed = update.seed();
  vector.scale = scale;
  const Span<float> dense = scratch.subspan(0, model_dim);
  expand(vector, dense);
  // A huge scale can overflow finite values.
  if (!all_finite(dense)) {
    *code = wire::ErrorCode::NonFinite;
    return Status::error(StatusCode::kInvalidArgument, "update.scale * values overflows");
  }
  return Span<const float>(dense.data(), dense.size());
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
