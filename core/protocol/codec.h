// Codec: builds and verifies fedgate wire messages (schemas/fedgate.fbs).
//
// MessageWriter builds every message into one caller-owned arena and never
// allocates: the arena must outlive the writer, and each returned byte span is
// valid until the next call on the same writer. verify_envelope() is the only
// way received bytes become a message: it runs the FlatBuffers verifier and the
// protocol checks, and returns nullptr with a wire error code for anything else.
#pragma once

#include <cstdint>

#include "core/base/param_reader.h"
#include "core/base/span.h"
#include "core/base/status.h"
#include "core/compression/compressed_vector.h"
#include "schemas/fedgate_generated.h"

namespace fedgate {

// 2: every union member a table (docs/protocol.md, section 12).
constexpr uint8_t kProtocolVersion = 2;

// Bytes a message needs beyond its float payload (envelope, tables, vtables,
// alignment, a short string). Arenas are sized as payload + kMessageOverhead.
constexpr size_t kMessageOverhead = 512;

struct HelloInfo {
  wire::DeviceClass device_class = wire::DeviceClass::Linux;
  uint32_t num_features = 0;
  uint32_t num_classes = 0;
  uint32_t max_message_bytes = 0;
  uint32_t max_chunk_floats = 0;
  uint32_t max_model_dim = 0;  // 0 = no limit
  const char* name = "";
  // Announce the encoded model chunks (Fp16, Int8Delta, Int4Delta) ClientSession applies.
  bool applies_encoded_models = true;
};

struct ConfigInfo {
  wire::ModelKind model_kind = wire::ModelKind::Softmax;
  uint32_t model_dim = 0;
  uint32_t num_features = 0;
  uint32_t num_classes = 0;
  uint32_t hidden_units = 0;
  uint32_t batch_size = 0;
  uint32_t chunk_floats = 0;
  uint32_t heartbeat_ms = 0;
  const char* acceptance = "";
  const char* stepsize = "";
  using Param = NamedParam;
  Span<const Param> params;
  wire::Codec codec = wire::Codec::Dense;  // what the compression policy produces
  const char* trigger = "";                // empty: not sent (the client assumes offer-first)
  const char* compression = "";            // empty: not sent (the client assumes dense)
};

// A ModelChunk in a non-dense encoding (core/compression/model_codec.h).
struct EncodedChunkInfo {
  uint32_t version = 0;
  uint32_t offset = 0;
  uint32_t total = 0;
  uint32_t crc32 = 0;  // of the decoded float32 weights
  wire::ModelEncoding encoding = wire::ModelEncoding::Fp16;
  uint32_t base_version = 0;  // delta encodings
  float scale = 1;            // delta encodings
  uint32_t count = 0;         // values in `packed`
  Span<const uint8_t> packed;
};

// Shadowheart's per-worker budget for one round (docs/algorithms.md, round-buffer):
// the fixed-budget trigger sums `batches` (b_i) gradients at the model and sends
// `sends` (m_i) compressed Updates of the sum. 0 means "not given".
struct RoundBudget {
  uint32_t batches = 0;
  uint16_t sends = 0;
  bool given() const { return batches != 0 || sends != 0; }
};

struct OfferInfo {
  uint32_t version = 0;
  float grad_norm = 0;
  float loss = 0;
};

struct UpdateInfo {
  uint32_t version = 0;
  float grad_norm = 0;
  Span<const float> values;  // dense: one value per model parameter
  uint32_t samples = 0;
  uint32_t compute_us = 0;
  wire::UpdateKind kind = wire::UpdateKind::Gradient;
  // Compressed form: when vector.values is non-empty it replaces `values`.
  CompressedVector vector;
  uint32_t steps = 0;
  uint32_t round = 0;
  uint16_t part = 0;
  uint16_t parts = 0;
};

// Arena bytes MessageWriter::update() needs for an Update carrying `values`
// floats and `indices` indices (the two vectors' length words and padding).
constexpr size_t update_arena_bytes(size_t values, size_t indices) {
  return values * sizeof(float) + indices * sizeof(uint32_t) + 16 + kMessageOverhead;
}

class MessageWriter {
 public:
  // `arena` must hold the largest message this writer will build.
  explicit MessageWriter(Span<uint8_t> arena);
  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;

  Result<Span<const uint8_t>> hello(uint32_t seq, const HelloInfo& info);
  Result<Span<const uint8_t>> config(uint32_t seq, const ConfigInfo& info);
  Result<Span<const uint8_t>> model_chunk(uint32_t seq, uint32_t version, uint32_t offset,
                                          uint32_t total, Span<const float> weights);
  Result<Span<const uint8_t>> encoded_model_chunk(uint32_t seq, const EncodedChunkInfo& info);
  // The budget that the last chunk of every model built from now on carries
  // (ModelChunk.batches / sends), until it is set back to RoundBudget(). The
  // coordinator sets it around one client's model: the chunks' encoding is the
  // downlink's business, the budget the aggregation's, and neither needs the other.
  void set_round_budget(const RoundBudget& budget) { budget_ = budget; }
  Result<Span<const uint8_t>> model_request(uint32_t seq, uint32_t have_version);
  Result<Span<const uint8_t>> offer(uint32_t seq, const OfferInfo& info);
  Result<Span<const uint8_t>> decision(uint32_t seq, uint32_t offer_version,
                                       uint32_t current_version, bool accept);
  Result<Span<const uint8_t>> update(uint32_t seq, const UpdateInfo& info);
  Result<Span<const uint8_t>> skip(uint32_t seq, uint32_t version);
  Result<Span<const uint8_t>> heartbeat(uint32_t seq, uint32_t version);
  Result<Span<const uint8_t>> bye(uint32_t seq, wire::ByeReason reason, const char* message);
  // `protocol_version` other than ours answers a peer of that version: the
  // Envelope and Error layouts are the same in every version, so it can read why.
  Result<Span<const uint8_t>> error(uint32_t seq, wire::ErrorCode code, uint32_t ref_seq,
                                    const char* message,
                                    uint8_t protocol_version = kProtocolVersion);

  size_t capacity() const { return arena_.size(); }

 private:
  class ArenaAllocator : public flatbuffers::Allocator {
   public:
    explicit ArenaAllocator(Span<uint8_t> arena) : arena_(arena) {}
    uint8_t* allocate(size_t size) override;
    void deallocate(uint8_t*, size_t) override {}

   private:
    Span<uint8_t> arena_;
  };

  // Fails instead of letting the builder outgrow the arena.
  Status reserve(size_t payload_bytes);
  Span<const uint8_t> finish(uint32_t seq, wire::Message type, flatbuffers::Offset<void> body,
                             uint8_t protocol_version = kProtocolVersion);
  // `text` as a wire string, capped at kMaxTextBytes (nullptr is empty).
  flatbuffers::Offset<flatbuffers::String> create_text(const char* text);

  // The budget a chunk of `count` values at `offset` of `total` carries.
  RoundBudget budget_on(uint32_t offset, uint32_t count, uint32_t total) const;

  Span<uint8_t> arena_;
  ArenaAllocator allocator_;
  flatbuffers::FlatBufferBuilder builder_;
  RoundBudget budget_;
};

// FlatBuffers reads scalars in place, so a received buffer must start on this
// boundary (transports that cannot promise it copy; see aligned_message.h).
constexpr size_t kMessageAlignment = 8;

// Verifies `bytes` as a fedgate envelope of this protocol version. On failure
// returns nullptr and sets *error (Unverifiable, WrongIdentifier or
// UnsupportedProtocol; a misaligned buffer is Unverifiable). The envelope
// points into `bytes`.
const wire::Envelope* verify_envelope(Span<const uint8_t> bytes, wire::ErrorCode* error);

// The Envelope's protocol_version, read without verifying the message inside
// (which another version's schema may lay out differently); 0 when even the
// Envelope cannot be read.
uint8_t envelope_protocol_version(Span<const uint8_t> bytes);

// CRC-32 a ModelChunk must carry for these weights.
uint32_t chunk_crc(Span<const float> weights);

// True when every value is finite.
bool all_finite(Span<const float> values);

// L2 norm accumulated in double, so client and coordinator agree to float precision.
double l2_norm(Span<const float> values);

// Checks an Update's vector against a model of `model_dim` parameters and
// returns it as a dense vector: the message's own values for Dense, else
// expanded into `scratch` (model_dim floats). On failure sets *code
// (DimensionMismatch, NonFinite or UnsupportedCodec) and the Status names the
// field. Bounds: dim == model_dim; Dense: dim values, no indices; TopK:
// 1 <= k <= dim values and as many strictly increasing indices < dim; RandK:
// 1 <= k <= dim values, no indices; scale finite and > 0; values finite.
Result<Span<const float>> decode_update(const wire::Update& update, uint32_t model_dim,
                                        Span<float> scratch, wire::ErrorCode* code);

// Short English text for an error code ("update norm does not match offer").
const char* error_code_text(wire::ErrorCode code);

}  // namespace fedgate
