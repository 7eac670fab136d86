#include "core/protocol/update_stream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/protocol/client_session.h"

namespace fedgate {
namespace {

std::vector<float> ramp(size_t n) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = 0.25f * static_cast<float>(i) - 3.0f;
  return values;
}

UpdateInfo info_for(const std::vector<float>& values) {
  UpdateInfo info;
  info.version = 41;
  info.grad_norm = 2.5f;
  info.values = Span<const float>(values.data(), values.size());
  info.samples = 32;
  info.compute_us = 1234;
  return info;
}

// head + raw floats, copied into an 8-aligned buffer as a receiver would hold it.
std::vector<uint64_t> streamed(Span<const uint8_t> head, const std::vector<float>& values,
                               size_t* size) {
  *size = head.size() + values.size() * sizeof(float);
  std::vector<uint64_t> aligned((*size + 7) / 8);
  auto* bytes = reinterpret_cast<uint8_t*>(aligned.data());
  std::memcpy(bytes, head.data(), head.size());
  std::memcpy(bytes + head.size(), values.data(), values.size() * sizeof(float));
  return aligned;
}

TEST(UpdateStreamTest, HeadPlusValuesEqualsTheBuiltUpdateForManyLengths) {
  std::vector<uint8_t> full_arena(7850 * 4 + kMessageOverhead + 64);
  MessageWriter writer(Span<uint8_t>(full_arena.data(), full_arena.size()));
  std::vector<uint8_t> head_arena(kUpdateHeadArenaBytes);
  for (size_t n :
       {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{100}, size_t{1001}, size_t{7850}}) {
    SCOPED_TRACE(n);
    const std::vector<float> values = ramp(n);
    const UpdateInfo info = info_for(values);
    auto full = writer.update(9, info);
    ASSERT_TRUE(full.is_ok()) << full.status().message();
    auto head = update_head(Span<uint8_t>(head_arena.data(), head_arena.size()), 9, info);
    ASSERT_TRUE(head.is_ok()) << head.status().message();
    size_t size = 0;
    const std::vector<uint64_t> message = streamed(*head, values, &size);
    ASSERT_EQ(size, full->size());
    EXPECT_EQ(std::memcmp(message.data(), full->data(), size), 0);

    wire::ErrorCode error = wire::ErrorCode::Internal;
    const wire::Envelope* envelope = verify_envelope(
        Span<const uint8_t>(reinterpret_cast<const uint8_t*>(message.data()), size), &error);
    ASSERT_NE(envelope, nullptr) << wire::EnumNameErrorCode(error);
    const auto* update = envelope->message_as_Update();
    ASSERT_NE(update, nullptr);
    EXPECT_EQ(envelope->seq(), 9u);
    EXPECT_EQ(update->version(), 41u);
    EXPECT_EQ(update->dim(), n);
    ASSERT_EQ(update->values()->size(), n);
    EXPECT_EQ(update->values()->Get(static_cast<uint32_t>(n - 1)), values.back());
    EXPECT_EQ(update->samples(), 32u);
    EXPECT_EQ(update->compute_us(), 1234u);
  }
}

TEST(UpdateStreamTest, HeadIsSmallAndTooSmallAnArenaIsAClearError) {
  static_assert(kUpdateHeadArenaBytes == 544, "the message below names the size");
  std::vector<uint8_t> enough(kUpdateHeadArenaBytes);
  const std::vector<float> none;
  auto empty = update_head(Span<uint8_t>(enough.data(), enough.size()), 1, info_for(none));
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);

  const std::vector<float> values = ramp(7850);
  std::vector<uint8_t> arena(kUpdateHeadArenaBytes);
  auto head = update_head(Span<uint8_t>(arena.data(), arena.size()), 1, info_for(values));
  ASSERT_TRUE(head.is_ok());
  EXPECT_LE(head->size(), 128u);  // what a microcontroller's transmit buffer must hold

  auto refused = update_head(Span<uint8_t>(arena.data(), 64), 1, info_for(values));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(std::string(refused.status().message()).find("544-byte arena, got 64"),
            std::string::npos)
      << refused.status().message();
}

// Gradient double: g_i = params_i - 0.5.
class ShiftSource : public GradientSource {
 public:
  uint32_t num_features() const override { return 4; }
  uint32_t num_classes() const override { return 3; }
  Status configure(const TrainingSetup&) override { return Status::ok(); }
  Result<GradientStats> compute(Span<const float> params, Span<float> grad) override {
    for (size_t i = 0; i < params.size(); ++i) grad[i] = params[i] - 0.5f;
    GradientStats stats;
    stats.grad_norm = l2_norm(Span<const float>(grad.data(), grad.size()));
    stats.samples = 8;
    return stats;
  }
};

// An Outbox that, like the firmware's ZMTP link, takes long messages in two parts.
class PartsOutbox : public Outbox {
 public:
  Status send(Span<const uint8_t> bytes) override {
    sent.emplace_back(bytes.begin(), bytes.end());
    return Status::ok();
  }
  Status send_parts(Span<const uint8_t> head, Span<const uint8_t> tail) override {
    std::vector<uint8_t> whole(head.begin(), head.end());
    whole.insert(whole.end(), tail.begin(), tail.end());
    sent.push_back(whole);
    ++parts_messages;
    return Status::ok();
  }
  std::vector<std::vector<uint8_t>> sent;
  int parts_messages = 0;
};

TEST(UpdateStreamTest, SessionWithASmallTransmitArenaStreamsItsUpdate) {
  constexpr uint32_t kDim = 300;  // 1,200 bytes of gradient: more than the arena
  std::vector<float> model(kDim), grad(kDim);
  std::vector<uint8_t> tx(1024);  // every small message, not the 1,200-byte Update
  ClientIdentity identity;
  identity.name = "mcu";
  ShiftSource source;
  PartsOutbox outbox;
  ClientSession session(identity, Span<float>(model.data(), kDim), Span<float>(grad.data(), kDim),
                        Span<uint8_t>(tx.data(), tx.size()), source, outbox);
  std::vector<uint8_t> server_arena(8192);
  MessageWriter server(Span<uint8_t>(server_arena.data(), server_arena.size()));
  auto deliver = [&](const Result<Span<const uint8_t>>& message) {
    ASSERT_TRUE(message.is_ok());
    std::vector<uint64_t> copy((message->size() + 7) / 8);
    std::memcpy(copy.data(), message->data(), message->size());
    ASSERT_TRUE(session
                    .on_message(Span<const uint8_t>(reinterpret_cast<uint8_t*>(copy.data()),
                                                    message->size()))
                    .is_ok());
  };

  ASSERT_TRUE(session.start().is_ok());
  ConfigInfo config;
  config.model_dim = kDim;
  config.num_features = 4;
  config.num_classes = 3;
  config.chunk_floats = 50;
  deliver(server.config(1, config));
  std::vector<float> weights(kDim, 2.0f);  // gradient 1.5 everywhere
  for (uint32_t offset = 0; offset < kDim; offset += 50) {
    deliver(server.model_chunk(2, 5, offset, kDim, Span<const float>(weights.data() + offset, 50)));
  }
  ASSERT_EQ(session.state(), ClientSession::State::kAwaitingDecision) << session.final_message();
  deliver(server.decision(3, 5, 5, true));

  ASSERT_EQ(outbox.parts_messages, 1);
  std::vector<uint64_t> aligned((outbox.sent.back().size() + 7) / 8);
  std::memcpy(aligned.data(), outbox.sent.back().data(), outbox.sent.back().size());
  wire::ErrorCode error = wire::ErrorCode::Internal;
  const wire::Envelope* envelope = verify_envelope(
      Span<const uint8_t>(reinterpret_cast<uint8_t*>(aligned.data()), outbox.sent.back().size()),
      &error);
  ASSERT_NE(envelope, nullptr) << wire::EnumNameErrorCode(error);
  const auto* update = envelope->message_as_Update();
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->version(), 5u);
  EXPECT_EQ(update->dim(), kDim);
  ASSERT_EQ(update->values()->size(), kDim);
  for (uint32_t i = 0; i < kDim; ++i) ASSERT_EQ(update->values()->Get(i), 1.5f) << i;
  EXPECT_FLOAT_EQ(update->grad_norm(), 1.5f * std::sqrt(300.0f));
  EXPECT_EQ(session.counters().updates, 1u);
  EXPECT_GE(session.counters().bytes_sent, kDim * sizeof(float));
}

TEST(UpdateStreamTest, TransportWithoutPartsReportsTheFailure) {
  constexpr uint32_t kDim = 300;
  std::vector<float> model(kDim), grad(kDim);
  std::vector<uint8_t> tx(1024);  // every small message, not the 1,200-byte Update
  ClientIdentity identity;
  ShiftSource source;
  class WholeOnly : public Outbox {
   public:
    Status send(Span<const uint8_t>) override { return Status::ok(); }
  } outbox;
  ClientSession session(identity, Span<float>(model.data(), kDim), Span<float>(grad.data(), kDim),
                        Span<uint8_t>(tx.data(), tx.size()), source, outbox);
  std::vector<uint8_t> server_arena(8192);
  MessageWriter server(Span<uint8_t>(server_arena.data(), server_arena.size()));
  std::vector<uint64_t> copy(1024);
  auto deliver = [&](const Result<Span<const uint8_t>>& message) {
    std::memcpy(copy.data(), message->data(), message->size());
    return session.on_message(
        Span<const uint8_t>(reinterpret_cast<uint8_t*>(copy.data()), message->size()));
  };
  ASSERT_TRUE(session.start().is_ok());
  ConfigInfo config;
  config.model_dim = kDim;
  config.num_features = 4;
  config.num_classes = 3;
  ASSERT_TRUE(deliver(server.config(1, config)).is_ok());
  std::vector<float> weights(kDim, 2.0f);
  for (uint32_t offset = 0; offset < kDim; offset += 100) {
    ASSERT_TRUE(deliver(server.model_chunk(2, 5, offset, kDim,
                                           Span<const float>(weights.data() + offset, 100)))
                    .is_ok());
  }
  const Status sent = deliver(server.decision(3, 5, 5, true));
  EXPECT_EQ(sent.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(session.counters().send_failures, 1u);
}

}  // namespace
}  // namespace fedgate
