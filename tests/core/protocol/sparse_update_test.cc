// Update codecs on the wire: what the writer builds from a compressed vector,
// and what decode_update() refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/compression/randk_compressor.h"
#include "core/compression/topk_compressor.h"
#include "core/protocol/codec.h"

namespace fedgate {
namespace {

constexpr uint32_t kDim = 8;

class SparseUpdateTest : public ::testing::Test {
 protected:
  SparseUpdateTest() : writer_(Span<uint8_t>(arena_.data(), arena_.size())) {}

  const wire::Update* written(const UpdateInfo& info) {
    auto bytes = writer_.update(1, info);
    EXPECT_TRUE(bytes.is_ok());
    message_.assign(bytes->begin(), bytes->end());
    wire::ErrorCode error;
    const wire::Envelope* envelope = verify_envelope(message_, &error);
    EXPECT_NE(envelope, nullptr);
    return envelope->message_as_Update();
  }

  // An Update built field by field, so it can be malformed on purpose.
  const wire::Update* raw(wire::Codec codec, uint32_t dim, const std::vector<float>& values,
                          const std::vector<uint32_t>* indices, float scale = 1.0f,
                          uint32_t seed = 0) {
    flatbuffers::FlatBufferBuilder builder;
    auto v = builder.CreateVector(values);
    flatbuffers::Offset<flatbuffers::Vector<uint32_t>> i;
    if (indices != nullptr) i = builder.CreateVector(*indices);
    wire::UpdateBuilder update(builder);
    update.add_codec(codec);
    update.add_dim(dim);
    update.add_values(v);
    if (indices != nullptr) update.add_indices(i);
    update.add_seed(seed);
    update.add_scale(scale);
    auto body = update.Finish();
    wire::FinishEnvelopeBuffer(builder, wire::CreateEnvelope(builder, kProtocolVersion, 1,
                                                             wire::Message::Update, body.Union()));
    raw_.resize(builder.GetSize() / 8 + 1);
    std::memcpy(raw_.data(), builder.GetBufferPointer(), builder.GetSize());
    const Span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(raw_.data()),
                                    builder.GetSize());
    wire::ErrorCode error;
    const wire::Envelope* envelope = verify_envelope(bytes, &error);
    EXPECT_NE(envelope, nullptr);
    return envelope->message_as_Update();
  }

  // decode_update's error code, or None with the dense result in `dense_`.
  wire::ErrorCode decode(const wire::Update* update) {
    wire::ErrorCode code = wire::ErrorCode::Internal;
    auto result = decode_update(*update, kDim, scratch_, &code);
    if (result.is_ok()) {
      dense_.assign(result->begin(), result->end());
      EXPECT_EQ(code, wire::ErrorCode::None);
    } else {
      EXPECT_NE(code, wire::ErrorCode::None);
      last_message_ = result.status().message();
    }
    return code;
  }

  std::vector<uint8_t> arena_ = std::vector<uint8_t>(4096);
  MessageWriter writer_;
  std::vector<uint8_t> message_;
  std::vector<uint64_t> raw_;  // 8-byte aligned copy
  std::vector<float> scratch_ = std::vector<float>(kDim);
  std::vector<float> dense_;
  std::string last_message_;
};

TEST_F(SparseUpdateTest, TopKRoundTripsWithCountersAndDecodes) {
  const std::vector<float> g = {0, 5, 0, -1, 0, 0, 2, 0};
  std::vector<float> values(2);
  std::vector<uint32_t> indices(2);
  TopKCompressor topk(kDim, {}, 0.25, values, indices);
  UpdateInfo info;
  info.version = 4;
  info.kind = wire::UpdateKind::SummedGradient;
  info.vector = topk.compress(g);
  info.grad_norm = static_cast<float>(info.vector.norm());
  info.steps = 3;
  info.round = 2;
  info.part = 1;
  info.parts = 2;
  const wire::Update* update = written(info);
  EXPECT_EQ(update->codec(), wire::Codec::TopK);
  EXPECT_EQ(update->kind(), wire::UpdateKind::SummedGradient);
  EXPECT_EQ(update->dim(), kDim);
  ASSERT_EQ(update->indices()->size(), 2u);
  EXPECT_EQ(update->indices()->Get(0), 1u);
  EXPECT_EQ(update->indices()->Get(1), 6u);
  EXPECT_EQ(update->steps(), 3u);
  EXPECT_EQ(update->round(), 2u);
  EXPECT_EQ(update->part(), 1u);
  EXPECT_EQ(update->parts(), 2u);
  EXPECT_NEAR(update->grad_norm(), std::sqrt(29.0), 1e-5);
  ASSERT_EQ(decode(update), wire::ErrorCode::None);
  EXPECT_EQ(dense_, (std::vector<float>{0, 5, 0, 0, 0, 0, 2, 0}));
  // 2 values + 2 indices instead of 8 floats (less the indices vector header).
  const size_t sparse_bytes = message_.size();
  UpdateInfo dense_info = info;
  dense_info.vector = CompressedVector();
  dense_info.values = g;
  written(dense_info);
  EXPECT_LT(sparse_bytes, message_.size());
}

TEST_F(SparseUpdateTest, RandKRoundTripsSeedWithoutIndices) {
  const std::vector<float> g = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<float> values(2);
  RandKCompressor randk(kDim, 2, 99, values);
  UpdateInfo info;
  info.vector = randk.compress(g);
  const wire::Update* update = written(info);
  EXPECT_EQ(update->codec(), wire::Codec::RandK);
  EXPECT_EQ(update->indices(), nullptr);
  EXPECT_EQ(update->seed(), info.vector.seed);
  EXPECT_FLOAT_EQ(update->scale(), 4.0f);
  ASSERT_EQ(decode(update), wire::ErrorCode::None);
  std::vector<float> expected(kDim);
  expand(info.vector, expected);
  EXPECT_EQ(dense_, expected);
  int nonzero = 0;
  for (size_t i = 0; i < kDim; ++i) {
    if (dense_[i] != 0) {
      ++nonzero;
      EXPECT_FLOAT_EQ(dense_[i], 4.0f * g[i]);
    }
  }
  EXPECT_EQ(nonzero, 2);
}

TEST_F(SparseUpdateTest, DenseDecodesInPlace) {
  const std::vector<float> g = {1, 2, 3, 4, 5, 6, 7, 8};
  UpdateInfo info;
  info.values = g;
  const wire::Update* update = written(info);
  wire::ErrorCode code;
  auto result = decode_update(*update, kDim, scratch_, &code);
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->data(), update->values()->data());  // no copy
}

TEST_F(SparseUpdateTest, DecoderRejectsMalformedSparseUpdates) {
  const std::vector<float> two = {1, 2};
  const std::vector<uint32_t> ok = {1, 6};
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim, two, &ok)), wire::ErrorCode::None);

  const std::vector<uint32_t> out_of_range = {1, 8};
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim, two, &out_of_range)),
            wire::ErrorCode::DimensionMismatch);
  EXPECT_NE(last_message_.find("indices[1] = 8"), std::string::npos) << last_message_;
  const std::vector<uint32_t> duplicate = {3, 3};
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim, two, &duplicate)),
            wire::ErrorCode::DimensionMismatch);
  const std::vector<uint32_t> unsorted = {6, 1};
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim, two, &unsorted)),
            wire::ErrorCode::DimensionMismatch);
  const std::vector<uint32_t> one = {1};
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim, two, &one)), wire::ErrorCode::DimensionMismatch);
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim, two, nullptr)), wire::ErrorCode::DimensionMismatch);
  const std::vector<float> none;
  const std::vector<uint32_t> no_indices;
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim, none, &no_indices)),
            wire::ErrorCode::DimensionMismatch);  // k = 0
  const std::vector<float> nine(9, 1.0f);
  EXPECT_EQ(decode(raw(wire::Codec::RandK, kDim, nine, nullptr)),
            wire::ErrorCode::DimensionMismatch);  // k > dim
  EXPECT_EQ(decode(raw(wire::Codec::RandK, kDim, two, &ok)),
            wire::ErrorCode::DimensionMismatch);  // rand-k never sends indices
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim + 1, two, &ok)),
            wire::ErrorCode::DimensionMismatch);  // another model
  EXPECT_EQ(decode(raw(wire::Codec::Dense, kDim, two, nullptr)),
            wire::ErrorCode::DimensionMismatch);

  const std::vector<float> nan = {1, std::numeric_limits<float>::quiet_NaN()};
  EXPECT_EQ(decode(raw(wire::Codec::TopK, kDim, nan, &ok)), wire::ErrorCode::NonFinite);
  EXPECT_EQ(decode(raw(wire::Codec::RandK, kDim, two, nullptr, 0.0f)), wire::ErrorCode::NonFinite);
  EXPECT_EQ(
      decode(raw(wire::Codec::RandK, kDim, two, nullptr, std::numeric_limits<float>::infinity())),
      wire::ErrorCode::NonFinite);
  const std::vector<float> big = {3e38f, 1};
  EXPECT_EQ(decode(raw(wire::Codec::RandK, kDim, big, nullptr, 4.0f)),
            wire::ErrorCode::NonFinite);  // scale * value overflows
  EXPECT_EQ(decode(raw(static_cast<wire::Codec>(7), kDim, two, nullptr)),
            wire::ErrorCode::UnsupportedCodec);
}

}  // namespace
}  // namespace fedgate
