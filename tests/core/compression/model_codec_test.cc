#include "core/compression/model_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/protocol/codec.h"

namespace fedgate {
namespace {

using wire::ModelEncoding;

uint32_t bits(float value) {
  uint32_t out = 0;
  std::memcpy(&out, &value, sizeof(out));
  return out;
}

TEST(ModelCodec, HalfFloatsRoundTripAndRoundToNearestEven) {
  EXPECT_EQ(float_to_half(1.0f), 0x3C00);
  EXPECT_EQ(float_to_half(-2.0f), 0xC000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7BFF);                // largest half
  EXPECT_EQ(float_to_half(65520.0f), 0x7C00);                // rounds to Inf
  EXPECT_EQ(float_to_half(5.9604644775390625e-8f), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3C00);      // tie: to even (down)
  EXPECT_EQ(float_to_half(1.0f + 3.0f / 2048), 0x3C02);      // tie: to even (up)
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(std::nanf("")))));
  // Every finite half survives float and back.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00) continue;
    ASSERT_EQ(float_to_half(half_to_float(static_cast<uint16_t>(h))), h) << h;
  }
}

TEST(ModelCodec, EncodedSizes) {
  EXPECT_EQ(model_encoding_bytes(ModelEncoding::Dense, 7), 0u);
  EXPECT_EQ(model_encoding_bytes(ModelEncoding::Fp16, 7), 14u);
  EXPECT_EQ(model_encoding_bytes(ModelEncoding::Int8Delta, 7), 7u);
  EXPECT_EQ(model_encoding_bytes(ModelEncoding::Int4Delta, 7), 4u);
}

// One chunk coded by the sender and decoded by a receiver holding the same base.
void round_trip(ModelEncoding encoding, const std::vector<float>& base,
                const std::vector<float>& target, std::vector<float>* sender,
                std::vector<float>* receiver) {
  *sender = base;
  *receiver = base;
  std::vector<uint8_t> packed(model_encoding_bytes(encoding, target.size()));
  const float scale = encode_model_chunk(encoding, target, *sender, packed);
  ASSERT_GT(scale, 0);
  bool finite = false;
  EXPECT_EQ(decoded_chunk_crc(encoding, packed, scale, *receiver, &finite), chunk_crc(*sender));
  EXPECT_TRUE(finite);
  EXPECT_EQ(*receiver, base) << "the CRC pass writes nothing";
  apply_model_chunk(encoding, packed, scale, *receiver);
}

TEST(ModelCodec, DeltaChunksDecodeToExactlyTheSendersCopy) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 1);
  for (const ModelEncoding encoding :
       {ModelEncoding::Fp16, ModelEncoding::Int8Delta, ModelEncoding::Int4Delta}) {
    std::vector<float> base(1001), target(1001), sender, receiver;  // odd: a half-used nibble
    for (size_t i = 0; i < base.size(); ++i) {
      base[i] = normal(rng);
      target[i] = base[i] + 0.03f * normal(rng);
    }
    round_trip(encoding, base, target, &sender, &receiver);
    for (size_t i = 0; i < base.size(); ++i) {
      ASSERT_EQ(bits(receiver[i]), bits(sender[i])) << i;
      ASSERT_NEAR(receiver[i], target[i], encoding == ModelEncoding::Int4Delta ? 0.02 : 2e-3);
    }
  }
}

TEST(ModelCodec, ZeroDeltaAndDenseFallback) {
  std::vector<float> base = {1, 2, 3}, sender, receiver;
  round_trip(ModelEncoding::Int8Delta, base, base, &sender, &receiver);
  EXPECT_EQ(receiver, base);
  std::vector<float> huge = {3e38f, -3e38f, 0};
  std::vector<float> held = {-3e38f, 3e38f, 0};
  std::vector<uint8_t> packed(3);
  EXPECT_EQ(encode_model_chunk(ModelEncoding::Int8Delta, huge, held, packed), 0.0f)
      << "a delta beyond float range must go dense";
}

// The point of the per-client reference: after many versions the client's
// model is bit-identical to the sender's copy and within one quantization step
// of the true model, however many deltas it took (no drift).
TEST(ModelCodec, QuantizationErrorNeverAccumulates) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0, 1);
  for (const ModelEncoding encoding : {ModelEncoding::Int8Delta, ModelEncoding::Int4Delta}) {
    std::vector<float> truth(500), sender(500, 0.0f), client(500, 0.0f);
    std::vector<uint8_t> packed(model_encoding_bytes(encoding, truth.size()));
    double last_step = 0;
    for (int version = 0; version < 2000; ++version) {
      float max_step = 0;
      for (float& x : truth) {
        const float step = 0.01f * normal(rng) + 0.001f;  // a drift the deltas must follow
        x += step;
        max_step = std::fmax(max_step, std::fabs(step));
      }
      const float scale = encode_model_chunk(encoding, truth, sender, packed);
      apply_model_chunk(encoding, packed, scale, client);
      last_step = scale;
      ASSERT_EQ(std::memcmp(client.data(), sender.data(), client.size() * sizeof(float)), 0)
          << "version " << version;
    }
    double worst = 0;
    for (size_t i = 0; i < truth.size(); ++i) {
      worst = std::fmax(worst, std::fabs(client[i] - truth[i]));
    }
    // Within half a quantization step of the last delta (plus float rounding).
    EXPECT_LE(worst, 0.5 * last_step + 1e-5) << "encoding " << static_cast<int>(encoding);
  }
}

}  // namespace
}  // namespace fedgate
