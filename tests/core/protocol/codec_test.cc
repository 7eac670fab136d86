#include "core/protocol/codec.h"

#include "core/protocol/aligned_message.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace fedgate {
namespace {

class CodecTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> arena_ = std::vector<uint8_t>(64 * 1024);
  MessageWriter writer_{Span<uint8_t>(arena_.data(), arena_.size())};

  const wire::Envelope* verified(Span<const uint8_t> bytes) {
    copy_.assign(bytes.begin(), bytes.end());
    wire::ErrorCode error = wire::ErrorCode::Internal;
    const wire::Envelope* envelope = verify_envelope(copy_, &error);
    EXPECT_NE(envelope, nullptr) << wire::EnumNameErrorCode(error);
    EXPECT_EQ(error, wire::ErrorCode::None);
    return envelope;
  }
  std::vector<uint8_t> copy_;
};

TEST_F(CodecTest, HelloRoundTrip) {
  HelloInfo info;
  info.device_class = wire::DeviceClass::Mcu;
  info.num_features = 784;
  info.num_classes = 10;
  info.max_message_bytes = 4096;
  info.max_chunk_floats = 256;
  info.max_model_dim = 7850;
  info.name = "stm32-1";
  auto bytes = writer_.hello(5, info);
  ASSERT_TRUE(bytes.is_ok());
  const auto* env = verified(*bytes);
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->seq(), 5u);
  EXPECT_EQ(env->protocol_version(), kProtocolVersion);
  const auto* hello = env->message_as_Hello();
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->device_class(), wire::DeviceClass::Mcu);
  EXPECT_EQ(hello->num_features(), 784u);
  EXPECT_EQ(hello->num_classes(), 10u);
  EXPECT_EQ(hello->max_message_bytes(), 4096u);
  EXPECT_EQ(hello->max_chunk_floats(), 256u);
  EXPECT_EQ(hello->max_model_dim(), 7850u);
  EXPECT_EQ(hello->name()->str(), "stm32-1");
  // Every client session encodes all three codecs.
  ASSERT_EQ(hello->codecs()->size(), 3u);
  EXPECT_EQ(hello->codecs()->Get(0), wire::Codec::Dense);
  EXPECT_EQ(hello->codecs()->Get(1), wire::Codec::TopK);
  EXPECT_EQ(hello->codecs()->Get(2), wire::Codec::RandK);
}

TEST_F(CodecTest, ConfigRoundTripWithParams) {
  const ConfigInfo::Param params[] = {{"acceptance.lambda", 12.5}, {"stepsize.gamma", 0.05}};
  ConfigInfo info;
  info.model_kind = wire::ModelKind::Mlp;
  info.model_dim = 1234;
  info.num_features = 20;
  info.num_classes = 3;
  info.hidden_units = 16;
  info.batch_size = 32;
  info.chunk_floats = 512;
  info.heartbeat_ms = 750;
  info.acceptance = "norm-ratio-exact";
  info.stepsize = "constant";
  info.params = Span<const ConfigInfo::Param>(params, 2);
  auto bytes = writer_.config(9, info);
  ASSERT_TRUE(bytes.is_ok());
  const auto* config = verified(*bytes)->message_as_Config();
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->model_kind(), wire::ModelKind::Mlp);
  EXPECT_EQ(config->model_dim(), 1234u);
  EXPECT_EQ(config->hidden_units(), 16u);
  EXPECT_EQ(config->batch_size(), 32u);
  EXPECT_EQ(config->chunk_floats(), 512u);
  EXPECT_EQ(config->heartbeat_ms(), 750u);
  EXPECT_EQ(config->acceptance()->str(), "norm-ratio-exact");
  ASSERT_EQ(config->params()->size(), 2u);
  EXPECT_EQ(config->params()->Get(0)->name()->str(), "acceptance.lambda");
  EXPECT_DOUBLE_EQ(config->params()->Get(1)->value(), 0.05);
}

TEST_F(CodecTest, ModelChunkCarriesCrcOfItsWeights) {
  std::vector<float> weights = {1.0f, -2.5f, 3.25f, 0.0f};
  auto bytes = writer_.model_chunk(1, 42, 100, 7850, weights);
  ASSERT_TRUE(bytes.is_ok());
  const auto* chunk = verified(*bytes)->message_as_ModelChunk();
  ASSERT_NE(chunk, nullptr);
  EXPECT_EQ(chunk->version(), 42u);
  EXPECT_EQ(chunk->offset(), 100u);
  EXPECT_EQ(chunk->total(), 7850u);
  ASSERT_EQ(chunk->weights()->size(), 4u);
  EXPECT_FLOAT_EQ(chunk->weights()->Get(1), -2.5f);
  EXPECT_EQ(chunk->crc32(), chunk_crc(weights));
  weights[2] = 3.5f;
  EXPECT_NE(chunk->crc32(), chunk_crc(weights));
}

TEST_F(CodecTest, OnlyTheChunkThatEndsAModelCarriesTheRoundBudget) {
  const std::vector<float> weights = {1.0f, -2.5f};
  const size_t plain = writer_.model_chunk(1, 3, 2, 4, weights)->size();
  RoundBudget budget;
  budget.batches = 5;
  budget.sends = 3;
  writer_.set_round_budget(budget);
  const auto* first = verified(*writer_.model_chunk(1, 3, 0, 4, weights))->message_as_ModelChunk();
  EXPECT_EQ(first->batches(), 0u);
  EXPECT_EQ(first->sends(), 0u);
  const auto with_budget = writer_.model_chunk(1, 3, 2, 4, weights);
  EXPECT_GT(with_budget->size(), plain);
  const auto* last = verified(*with_budget)->message_as_ModelChunk();
  EXPECT_EQ(last->batches(), 5u);
  EXPECT_EQ(last->sends(), 3u);
  const uint8_t packed[2] = {1, 2};
  EncodedChunkInfo info;
  info.total = 4;
  info.offset = 2;
  info.count = 2;
  info.encoding = wire::ModelEncoding::Int8Delta;
  info.packed = Span<const uint8_t>(packed, 2);
  const auto* encoded = verified(*writer_.encoded_model_chunk(1, info))->message_as_ModelChunk();
  EXPECT_EQ(encoded->batches(), 5u);
  EXPECT_EQ(encoded->sends(), 3u);
  // Set back, the budget is gone and the chunk no larger than one never given a budget.
  writer_.set_round_budget(RoundBudget());
  const auto bytes = writer_.model_chunk(1, 3, 2, 4, weights);
  EXPECT_EQ(bytes->size(), plain);
  EXPECT_EQ(verified(*bytes)->message_as_ModelChunk()->batches(), 0u);
}

TEST_F(CodecTest, OfferIsUnder64BytesOnTheWire) {
  OfferInfo info;
  info.version = 4000000000u;
  info.grad_norm = 12.75f;
  info.loss = 0.5f;
  auto bytes = writer_.offer(0xFFFFFFFFu, info);
  ASSERT_TRUE(bytes.is_ok());
  // ZMTP 3 frames a short message with 2 bytes (flags, size).
  EXPECT_LT(bytes->size() + 2, 64u) << "offer is " << bytes->size() << " bytes";
  const auto* offer = verified(*bytes)->message_as_Offer();
  ASSERT_NE(offer, nullptr);
  EXPECT_EQ(offer->body()->version(), 4000000000u);
  EXPECT_FLOAT_EQ(offer->body()->grad_norm(), 12.75f);
  EXPECT_FLOAT_EQ(offer->body()->loss(), 0.5f);
}

TEST_F(CodecTest, DecisionSkipHeartbeatModelRequestRoundTrip) {
  auto decision = writer_.decision(3, 10, 12, true);
  ASSERT_TRUE(decision.is_ok());
  const auto* d = verified(*decision)->message_as_Decision();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->offer_version(), 10u);
  EXPECT_EQ(d->current_version(), 12u);
  EXPECT_TRUE(d->accept());

  auto skip = writer_.skip(4, 77);
  ASSERT_TRUE(skip.is_ok());
  EXPECT_EQ(verified(*skip)->message_as_Skip()->version(), 77u);
  auto heartbeat = writer_.heartbeat(5, 78);
  ASSERT_TRUE(heartbeat.is_ok());
  EXPECT_EQ(verified(*heartbeat)->message_as_Heartbeat()->version(), 78u);
  auto request = writer_.model_request(6, 79);
  ASSERT_TRUE(request.is_ok());
  EXPECT_EQ(verified(*request)->message_as_ModelRequest()->have_version(), 79u);
}

TEST_F(CodecTest, UpdateRoundTripAndOverheadUnderTwoPercent) {
  std::vector<float> grad(7850);
  for (size_t i = 0; i < grad.size(); ++i) grad[i] = std::sin(static_cast<float>(i));
  UpdateInfo info;
  info.version = 17;
  info.grad_norm = static_cast<float>(l2_norm(grad));
  info.values = grad;
  info.samples = 32;
  info.compute_us = 900;
  auto bytes = writer_.update(8, info);
  ASSERT_TRUE(bytes.is_ok());
  const size_t payload = grad.size() * sizeof(float);
  EXPECT_LT(static_cast<double>(bytes->size() - payload) / payload, 0.02);
  const auto* update = verified(*bytes)->message_as_Update();
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->version(), 17u);
  EXPECT_EQ(update->codec(), wire::Codec::Dense);
  EXPECT_EQ(update->dim(), 7850u);
  ASSERT_EQ(update->values()->size(), 7850u);
  EXPECT_FLOAT_EQ(update->values()->Get(123), grad[123]);
  EXPECT_FLOAT_EQ(update->scale(), 1.0f);
}

TEST_F(CodecTest, ByeAndErrorCarryText) {
  auto bye = writer_.bye(1, wire::ByeReason::Finished, "reached target_accuracy");
  ASSERT_TRUE(bye.is_ok());
  const auto* b = verified(*bye)->message_as_Bye();
  EXPECT_EQ(b->reason(), wire::ByeReason::Finished);
  EXPECT_EQ(b->message()->str(), "reached target_accuracy");
  auto error = writer_.error(2, wire::ErrorCode::NormMismatch, 44, "norm differs");
  ASSERT_TRUE(error.is_ok());
  const auto* e = verified(*error)->message_as_Error();
  EXPECT_EQ(e->code(), wire::ErrorCode::NormMismatch);
  EXPECT_EQ(e->ref_seq(), 44u);
  EXPECT_EQ(e->message()->str(), "norm differs");
}

TEST_F(CodecTest, LongTextIsCappedNotOverrun) {
  std::string long_text(5000, 'a');
  auto error = writer_.error(1, wire::ErrorCode::Internal, 0, long_text.c_str());
  ASSERT_TRUE(error.is_ok());
  EXPECT_LT(verified(*error)->message_as_Error()->message()->size(), 256u);
}

TEST(CodecArena, TooSmallArenaIsAnErrorNotACrash) {
  std::vector<uint8_t> arena(1024);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  std::vector<float> grad(1000, 1.0f);
  UpdateInfo info;
  info.values = grad;
  auto bytes = writer.update(1, info);
  EXPECT_FALSE(bytes.is_ok());
  EXPECT_EQ(bytes.status().code(), StatusCode::kResourceExhausted);
  // The writer still works for what fits.
  EXPECT_TRUE(writer.offer(2, OfferInfo{}).is_ok());
}

TEST(CodecArena, MessagesStartAlignedWhateverTheArena) {
  std::vector<uint8_t> arena(4099);
  for (size_t shift = 0; shift < 8; ++shift) {
    MessageWriter writer(Span<uint8_t>(arena.data() + shift, arena.size() - shift - 1));
    auto bytes = writer.offer(1, OfferInfo{});
    ASSERT_TRUE(bytes.is_ok());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(bytes->data()) % kMessageAlignment, 0u) << shift;
    wire::ErrorCode error;
    EXPECT_NE(verify_envelope(*bytes, &error), nullptr);
  }
}

TEST(CodecArena, MisalignedBufferIsRefusedAndAlignedMessageFixesIt) {
  std::vector<uint8_t> arena(1024);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  auto bytes = writer.heartbeat(1, 5);
  ASSERT_TRUE(bytes.is_ok());
  std::vector<uint8_t> shifted(bytes->size() + 1);
  std::memcpy(shifted.data() + 1, bytes->data(), bytes->size());
  wire::ErrorCode error = wire::ErrorCode::None;
  EXPECT_EQ(verify_envelope(Span<const uint8_t>(shifted.data() + 1, bytes->size()), &error),
            nullptr);
  EXPECT_EQ(error, wire::ErrorCode::Unverifiable);
  AlignedMessage aligned;
  const auto* envelope = verify_envelope(aligned.view(shifted.data() + 1, bytes->size()), &error);
  ASSERT_NE(envelope, nullptr);
  EXPECT_EQ(envelope->message_as_Heartbeat()->version(), 5u);
  // Found by the coordinator fuzzer: an empty message at an odd address.
  EXPECT_EQ(aligned.view(shifted.data() + 1, 0).size(), 0u);
  EXPECT_EQ(verify_envelope(aligned.view(shifted.data() + 1, 0), &error), nullptr);
}

TEST_F(CodecTest, RejectsShortAndForeignBuffers) {
  wire::ErrorCode error = wire::ErrorCode::None;
  const uint8_t tiny[] = {1, 2, 3};
  EXPECT_EQ(verify_envelope(Span<const uint8_t>(tiny, 3), &error), nullptr);
  EXPECT_EQ(error, wire::ErrorCode::Unverifiable);

  auto offer = writer_.offer(1, OfferInfo{});
  ASSERT_TRUE(offer.is_ok());
  std::vector<uint8_t> bytes(offer->begin(), offer->end());
  bytes[4] = 'X';  // file identifier lives at bytes 4..7
  EXPECT_EQ(verify_envelope(bytes, &error), nullptr);
  EXPECT_EQ(error, wire::ErrorCode::WrongIdentifier);
}

TEST_F(CodecTest, RejectsOtherProtocolVersion) {
  flatbuffers::FlatBufferBuilder builder;
  auto env = wire::CreateEnvelope(builder, kProtocolVersion + 1, 1, wire::Message::Heartbeat,
                                  wire::CreateHeartbeat(builder, 1).Union());
  wire::FinishEnvelopeBuffer(builder, env);
  wire::ErrorCode error = wire::ErrorCode::None;
  // A copy: the builder's own buffer need not start on the 8-byte boundary.
  const std::vector<uint8_t> bytes(builder.GetBufferPointer(),
                                   builder.GetBufferPointer() + builder.GetSize());
  EXPECT_EQ(verify_envelope(bytes, &error), nullptr);
  EXPECT_EQ(error, wire::ErrorCode::UnsupportedProtocol);
}

TEST_F(CodecTest, RejectsTruncatedMessages) {
  std::vector<float> weights(64, 0.5f);
  auto chunk = writer_.model_chunk(1, 1, 0, 64, weights);
  ASSERT_TRUE(chunk.is_ok());
  std::vector<uint8_t> bytes(chunk->begin(), chunk->end());
  for (size_t cut = 8; cut < bytes.size(); cut += 7) {
    wire::ErrorCode error = wire::ErrorCode::None;
    std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + cut);
    EXPECT_EQ(verify_envelope(truncated, &error), nullptr) << "cut at " << cut;
  }
}

TEST(CodecHelpers, FiniteAndNorm) {
  std::vector<float> v = {3.0f, 4.0f};
  EXPECT_TRUE(all_finite(v));
  EXPECT_DOUBLE_EQ(l2_norm(v), 5.0);
  v.push_back(std::numeric_limits<float>::quiet_NaN());
  EXPECT_FALSE(all_finite(v));
  v.back() = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(all_finite(v));
}

TEST(CodecHelpers, EveryErrorCodeHasText) {
  for (int code = 0; code <= static_cast<int>(wire::ErrorCode::MAX); ++code) {
    EXPECT_STRNE(error_code_text(static_cast<wire::ErrorCode>(code)), "unknown error code");
  }
}

// Protocol version 1's Heartbeat: a struct in the union.
FLATBUFFERS_MANUALLY_ALIGNED_STRUCT(4) VersionOneHeartbeat { uint32_t version; };
FLATBUFFERS_STRUCT_END(VersionOneHeartbeat, 4);

TEST(CodecVersions, OlderLayoutIsUnsupportedProtocolNotUnverifiable) {
  flatbuffers::FlatBufferBuilder builder;
  const VersionOneHeartbeat old{0x01020304};
  wire::FinishEnvelopeBuffer(builder, wire::CreateEnvelope(builder, 1, 1, wire::Message::Heartbeat,
                                                           builder.CreateStruct(old).Union()));
  const std::vector<uint8_t> bytes(builder.GetBufferPointer(),
                                   builder.GetBufferPointer() + builder.GetSize());
  EXPECT_EQ(envelope_protocol_version(bytes), 1u);
  wire::ErrorCode error = wire::ErrorCode::None;
  EXPECT_EQ(verify_envelope(bytes, &error), nullptr);
  EXPECT_EQ(error, wire::ErrorCode::UnsupportedProtocol);
}

TEST(CodecVersions, UnreadableEnvelopeHasNoVersion) {
  const uint8_t garbage[16] = {0xff, 0xff, 0xff, 0x7f, 'F', 'G', 'T', '1'};
  alignas(8) uint8_t aligned[16];
  std::memcpy(aligned, garbage, sizeof(aligned));
  EXPECT_EQ(envelope_protocol_version(Span<const uint8_t>(aligned, sizeof(aligned))), 0u);
}

TEST_F(CodecTest, EveryMessageCarriesThisVersion) {
  auto offer = writer_.offer(1, OfferInfo{});
  ASSERT_TRUE(offer.is_ok());
  EXPECT_EQ(envelope_protocol_version(*offer), kProtocolVersion);
  EXPECT_EQ(kProtocolVersion, 2u);
}

}  // namespace
}  // namespace fedgate
