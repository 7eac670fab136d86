#include "core/protocol/client_session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace fedgate {
namespace {

// Gradient double: g_i = params_i + 1, so the test knows every norm.
class FixedSource : public GradientSource {
 public:
  uint32_t num_features() const override { return 4; }
  uint32_t num_classes() const override { return 3; }
  Status configure(const TrainingSetup& setup) override {
    setup_ = setup;
    ++configured;
    if (refuse) return Status::error(StatusCode::kInvalidArgument, "model kind not supported");
    return Status::ok();
  }
  Result<GradientStats> compute(Span<const float> params, Span<float> grad) override {
    for (size_t i = 0; i < params.size(); ++i) grad[i] = params[i] + 1.0f;
    ++computed;
    GradientStats stats;
    stats.grad_norm = l2_norm(Span<const float>(grad.data(), grad.size()));
    stats.loss = 0.25f;
    stats.samples = 8;
    return stats;
  }
  // g = x + 1 depends on no minibatch: the same gradient again.
  bool can_recompute() const override { return can_recompute_; }
  Result<GradientStats> recompute(Span<const float> params, Span<float> grad) override {
    for (size_t i = 0; i < params.size(); ++i) grad[i] = params[i] + 1.0f;
    return GradientStats{};
  }
  TrainingSetup setup_;
  int configured = 0;
  int computed = 0;
  bool refuse = false;
  bool can_recompute_ = true;
};

class CapturingOutbox : public Outbox {
 public:
  Status send(Span<const uint8_t> bytes) override {
    if (offline) return Status::error(StatusCode::kUnavailable, "offline");
    sent.emplace_back(bytes.begin(), bytes.end());
    return Status::ok();
  }
  const wire::Envelope* last() {
    wire::ErrorCode error;
    return verify_envelope(sent.back(), &error);
  }
  std::vector<std::vector<uint8_t>> sent;
  bool offline = false;
};

class ClientSessionTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kDim = 10;
  ClientSessionTest() : server_(Span<uint8_t>(server_arena_.data(), server_arena_.size())) {}

  void SetUp() override {
    identity_.name = "c1";
    identity_.max_chunk_floats = 4;
    session_ = std::make_unique<ClientSession>(identity_, Span<float>(model_.data(), model_.size()),
                                               Span<float>(grad_.data(), grad_.size()),
                                               Span<uint8_t>(arena_.data(), arena_.size()), source_,
                                               outbox_);
  }

  void deliver(const Result<Span<const uint8_t>>& message) {
    ASSERT_TRUE(message.is_ok());
    std::vector<uint8_t> copy(message->begin(), message->end());
    ASSERT_TRUE(session_->on_message(copy).is_ok());
  }
  // For messages the session refuses (a Config it cannot run): its Status.
  Status deliver_refused(const Result<Span<const uint8_t>>& message) {
    std::vector<uint8_t> copy(message->begin(), message->end());
    return session_->on_message(copy);
  }

  void deliver_config(uint32_t dim = kDim) {
    ConfigInfo config;
    config.model_kind = wire::ModelKind::Softmax;
    config.model_dim = dim;
    config.num_features = 4;
    config.num_classes = 3;
    config.batch_size = 8;
    config.chunk_floats = 4;
    config.heartbeat_ms = 200;
    deliver(server_.config(1, config));
  }

  // Sends `model` as chunks of 4.
  void deliver_model(uint32_t version, const std::vector<float>& model) {
    for (uint32_t offset = 0; offset < model.size(); offset += 4) {
      const uint32_t n = std::min<uint32_t>(4, static_cast<uint32_t>(model.size()) - offset);
      deliver(server_.model_chunk(2, version, offset, static_cast<uint32_t>(model.size()),
                                  Span<const float>(model.data() + offset, n)));
    }
  }

  std::vector<float> model_ = std::vector<float>(64);
  std::vector<float> grad_ = std::vector<float>(64);
  std::vector<uint8_t> arena_ = std::vector<uint8_t>(64 * 4 + kMessageOverhead);
  std::vector<uint8_t> server_arena_ = std::vector<uint8_t>(8192);
  MessageWriter server_;
  ClientIdentity identity_;
  FixedSource source_;
  CapturingOutbox outbox_;
  std::unique_ptr<ClientSession> session_;
};

TEST_F(ClientSessionTest, StartSendsHelloWithShape) {
  ASSERT_TRUE(session_->start().is_ok());
  EXPECT_EQ(session_->state(), ClientSession::State::kRegistering);
  const auto* hello = outbox_.last()->message_as_Hello();
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->num_features(), 4u);
  EXPECT_EQ(hello->num_classes(), 3u);
  EXPECT_EQ(hello->max_model_dim(), 64u);
  EXPECT_EQ(hello->max_chunk_floats(), 4u);
  EXPECT_EQ(hello->name()->str(), "c1");
}

TEST_F(ClientSessionTest, FullCycleOfferAcceptUpdate) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  EXPECT_EQ(source_.configured, 1);
  EXPECT_EQ(source_.setup_.model_dim, kDim);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
  EXPECT_EQ(session_->silence_timeout_ms(), 600u);

  std::vector<float> model(kDim, 1.0f);  // gradient = 2 everywhere, norm 2*sqrt(10)
  deliver_model(7, model);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingDecision);
  EXPECT_EQ(session_->model_version(), 7u);
  const auto* offer = outbox_.last()->message_as_Offer();
  ASSERT_NE(offer, nullptr);
  EXPECT_EQ(offer->body()->version(), 7u);
  EXPECT_NEAR(offer->body()->grad_norm(), 2.0 * std::sqrt(10.0), 1e-5);

  deliver(server_.decision(3, 7, 9, true));
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
  const auto* update = outbox_.last()->message_as_Update();
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->version(), 7u);
  ASSERT_EQ(update->values()->size(), kDim);
  EXPECT_FLOAT_EQ(update->values()->Get(0), 2.0f);
  EXPECT_EQ(session_->counters().accepts, 1u);
  EXPECT_EQ(session_->counters().updates, 1u);
}

TEST_F(ClientSessionTest, RejectWaitsForNewModelAndSendsNoUpdate) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  deliver_model(1, std::vector<float>(kDim, 0.0f));
  const size_t sent_before = outbox_.sent.size();
  deliver(server_.decision(3, 1, 5, false));
  EXPECT_EQ(outbox_.sent.size(), sent_before);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
  deliver_model(5, std::vector<float>(kDim, 0.5f));
  EXPECT_EQ(outbox_.last()->message_as_Offer()->body()->version(), 5u);
  EXPECT_EQ(session_->counters().rejects, 1u);
  EXPECT_EQ(source_.computed, 2);
}

TEST_F(ClientSessionTest, DecisionForAnotherOfferIsIgnored) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  deliver_model(4, std::vector<float>(kDim, 0.0f));
  deliver(server_.decision(3, 3, 5, true));
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingDecision);
  EXPECT_EQ(session_->counters().unexpected, 1u);
}

TEST_F(ClientSessionTest, CorruptChunkIsDiscardedAndModelRequested) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  std::vector<float> first = {1, 2, 3, 4};
  auto chunk = server_.model_chunk(2, 3, 0, kDim, first);
  ASSERT_TRUE(chunk.is_ok());
  std::vector<uint8_t> bytes(chunk->begin(), chunk->end());
  // Flip a bit inside the weights: FlatBuffers still verifies, the CRC does not.
  bytes[bytes.size() - 8] ^= 0x01;
  ASSERT_TRUE(session_->on_message(bytes).is_ok());
  EXPECT_EQ(session_->counters().discarded, 1u);
  EXPECT_NE(outbox_.last()->message_as_ModelRequest(), nullptr);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
}

TEST_F(ClientSessionTest, OneLostChunkCostsOneModelRequest) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config(40);  // 10 chunks of 4
  std::vector<float> model(40, 0.5f);
  const size_t sent_before = outbox_.sent.size();
  for (uint32_t offset = 0; offset < 40; offset += 4) {
    if (offset == 8) continue;  // lost on the way
    deliver(server_.model_chunk(2, 6, offset, 40, Span<const float>(model.data() + offset, 4)));
  }
  ASSERT_EQ(outbox_.sent.size(), sent_before + 1);
  EXPECT_NE(outbox_.last()->message_as_ModelRequest(), nullptr);
  EXPECT_EQ(session_->counters().discarded, 7u);
  // The fresh copy is taken whole.
  deliver_model(6, model);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingDecision);
  EXPECT_EQ(session_->counters().models, 1u);
}

TEST_F(ClientSessionTest, RefusedHelloIsFinal) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver(server_.error(5, wire::ErrorCode::MessageTooLarge, 1, "too few bytes for a chunk"));
  EXPECT_EQ(session_->state(), ClientSession::State::kFailed);
}

TEST_F(ClientSessionTest, ShuttingDownFinishes) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  deliver_model(1, std::vector<float>(kDim, 0.0f));
  deliver(server_.error(5, wire::ErrorCode::ShuttingDown, 3, "coordinator has stopped"));
  EXPECT_EQ(session_->state(), ClientSession::State::kFinished);
}

TEST_F(ClientSessionTest, OutOfOrderOrOversizedChunksAreRefused) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  std::vector<float> four = {1, 2, 3, 4};
  deliver(server_.model_chunk(2, 3, 4, kDim, four));  // offset 4 before offset 0
  EXPECT_EQ(session_->counters().discarded, 1u);
  deliver(server_.model_chunk(2, 3, 8, kDim, four));  // would overrun the model (8 + 4 > 10)
  EXPECT_EQ(session_->counters().discarded, 2u);
  deliver(server_.model_chunk(2, 3, 0, kDim + 1, four));  // wrong total
  EXPECT_EQ(session_->counters().discarded, 3u);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
  EXPECT_EQ(source_.computed, 0);
}

TEST_F(ClientSessionTest, NonFiniteModelIsRefused) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  std::vector<float> bad = {1, std::numeric_limits<float>::quiet_NaN(), 3, 4};
  deliver(server_.model_chunk(2, 3, 0, kDim, bad));
  EXPECT_EQ(session_->counters().discarded, 1u);
}

TEST_F(ClientSessionTest, ModelTooLargeForClientEndsSession) {
  ASSERT_TRUE(session_->start().is_ok());
  ConfigInfo config;
  config.model_dim = 65;  // client holds 64
  config.num_features = 4;
  config.num_classes = 3;
  config.batch_size = 1;
  auto bytes = server_.config(1, config);
  ASSERT_TRUE(bytes.is_ok());
  std::vector<uint8_t> copy(bytes->begin(), bytes->end());
  EXPECT_FALSE(session_->on_message(copy).is_ok());
  EXPECT_EQ(session_->state(), ClientSession::State::kFailed);
  EXPECT_NE(outbox_.last()->message_as_Bye(), nullptr);
}

TEST_F(ClientSessionTest, SourceRefusingConfigEndsSessionWithItsReason) {
  source_.refuse = true;
  ASSERT_TRUE(session_->start().is_ok());
  ConfigInfo config;
  config.model_dim = kDim;
  auto bytes = server_.config(1, config);
  std::vector<uint8_t> copy(bytes->begin(), bytes->end());
  EXPECT_FALSE(session_->on_message(copy).is_ok());
  EXPECT_TRUE(session_->done());
  EXPECT_STREQ(session_->final_message(), "model kind not supported");
}

TEST_F(ClientSessionTest, UnknownClientErrorReRegisters) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  deliver_model(1, std::vector<float>(kDim, 0.0f));
  deliver(server_.error(5, wire::ErrorCode::UnknownClient, 3, "who are you"));
  EXPECT_NE(outbox_.last()->message_as_Hello(), nullptr);
  EXPECT_EQ(session_->state(), ClientSession::State::kRegistering);
  EXPECT_EQ(session_->counters().registrations, 2u);
}

TEST_F(ClientSessionTest, DataMismatchErrorFailsSession) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver(server_.error(5, wire::ErrorCode::DataMismatch, 1, "784 features needed"));
  EXPECT_EQ(session_->state(), ClientSession::State::kFailed);
  EXPECT_NE(std::string(session_->final_message()).find("784 features needed"), std::string::npos);
}

TEST_F(ClientSessionTest, OtherErrorsResynchronise) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  deliver_model(1, std::vector<float>(kDim, 0.0f));
  deliver(server_.error(5, wire::ErrorCode::NormMismatch, 3, "norm"));
  EXPECT_NE(outbox_.last()->message_as_ModelRequest(), nullptr);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
}

TEST_F(ClientSessionTest, ByeFinishes) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver(server_.bye(9, wire::ByeReason::Finished, "reached max_versions"));
  EXPECT_EQ(session_->state(), ClientSession::State::kFinished);
  EXPECT_STREQ(session_->final_message(), "reached max_versions");
}

TEST_F(ClientSessionTest, GarbageIsCountedNotFatal) {
  ASSERT_TRUE(session_->start().is_ok());
  std::vector<uint8_t> garbage = {0xde, 0xad, 0xbe, 0xef, 'F', 'G', 'T', '1', 0, 0};
  EXPECT_TRUE(session_->on_message(garbage).is_ok());
  EXPECT_EQ(session_->counters().discarded, 1u);
  EXPECT_EQ(session_->state(), ClientSession::State::kRegistering);
}

TEST_F(ClientSessionTest, OfflineSendIsNotFatalAndSilenceReRegisters) {
  outbox_.offline = true;
  EXPECT_TRUE(session_->start().is_ok());
  EXPECT_EQ(session_->counters().send_failures, 1u);
  outbox_.offline = false;
  EXPECT_TRUE(session_->on_silence().is_ok());
  EXPECT_NE(outbox_.last()->message_as_Hello(), nullptr);
}

TEST_F(ClientSessionTest, ByteCountersMatchWhatWasSent) {
  ASSERT_TRUE(session_->start().is_ok());
  deliver_config();
  deliver_model(1, std::vector<float>(kDim, 0.0f));
  deliver(server_.decision(3, 1, 1, true));
  uint64_t total = 0;
  for (const auto& message : outbox_.sent) total += message.size();
  EXPECT_EQ(session_->counters().bytes_sent, total);
  EXPECT_EQ(session_->counters().messages_sent, outbox_.sent.size());
}

// Sessions running the other triggers and compressions, as a coordinator
// configures them: Config names the policies, the test plays the coordinator.
class PolicySessionTest : public ClientSessionTest {
 protected:
  void SetUp() override {
    identity_.name = "c1";
    identity_.max_chunk_floats = 4;
    session_ = std::make_unique<ClientSession>(
        identity_, Span<float>(model_.data(), model_.size()),
        Span<float>(grad_.data(), grad_.size()),
        Span<uint8_t>(big_arena_.data(), big_arena_.size()), source_, outbox_,
        ClientPolicyMemory{Span<float>(floats_.data(), floats_.size()),
                           Span<uint32_t>(indices_.data(), indices_.size())});
    ASSERT_TRUE(session_->start().is_ok());
  }

  void configure(const char* trigger, const char* compression,
                 std::vector<ConfigInfo::Param> params = {}) {
    params_ = std::move(params);
    ConfigInfo config;
    config.model_kind = wire::ModelKind::Softmax;
    config.model_dim = kDim;
    config.num_features = 4;
    config.num_classes = 3;
    config.batch_size = 8;
    config.chunk_floats = 4;
    config.trigger = trigger;
    config.compression = compression;
    config.params = Span<const ConfigInfo::Param>(params_.data(), params_.size());
    configured_ = deliver_refused(server_.config(1, config));
  }
  Status configured_;

  // Messages the session sent after `from`, by type.
  std::vector<const wire::Envelope*> sent_since(size_t from) {
    std::vector<const wire::Envelope*> out;
    wire::ErrorCode error;
    for (size_t i = from; i < outbox_.sent.size(); ++i) {
      out.push_back(verify_envelope(outbox_.sent[i], &error));
    }
    return out;
  }

  std::vector<float> floats_ = std::vector<float>(client_policy_floats(64));
  std::vector<uint32_t> indices_ = std::vector<uint32_t>(client_policy_indices(64));
  std::vector<uint8_t> big_arena_ = std::vector<uint8_t>(8 * 64 + kMessageOverhead);
  std::vector<ConfigInfo::Param> params_;
};

TEST_F(PolicySessionTest, EveryStepSendsTheGradientWithoutAnOffer) {
  configure("every-step", "dense");
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
  const size_t before = outbox_.sent.size();
  deliver_model(3, std::vector<float>(kDim, 1.0f));
  const auto sent = sent_since(before);
  ASSERT_EQ(sent.size(), 1u);
  const auto* update = sent[0]->message_as_Update();
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->version(), 3u);
  EXPECT_EQ(update->kind(), wire::UpdateKind::Gradient);
  EXPECT_EQ(update->codec(), wire::Codec::Dense);
  EXPECT_FLOAT_EQ(update->values()->Get(0), 2.0f);
  EXPECT_NEAR(update->grad_norm(), 2.0 * std::sqrt(10.0), 1e-5);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
  EXPECT_EQ(session_->counters().offers, 0u);
  EXPECT_EQ(session_->counters().updates, 1u);
}

TEST_F(PolicySessionTest, LagSkipsAnUnchangedGradientThenIsForcedToSend) {
  // D = 1: one warm-up round, at most one skip in a row; threshold 0 (no movements).
  configure("lag", "dense", {{"trigger.max_skips", 1}, {"trigger.workers", 1}, {"trigger.lr", 1}});
  const std::vector<float> model(kDim, 1.0f);
  size_t before = outbox_.sent.size();
  deliver_model(1, model);
  ASSERT_NE(sent_since(before).back()->message_as_Update(), nullptr);  // warm-up
  before = outbox_.sent.size();
  deliver_model(2, model);  // same gradient as the one uploaded: skip
  const auto* skip = sent_since(before).back()->message_as_Skip();
  ASSERT_NE(skip, nullptr);
  EXPECT_EQ(skip->version(), 2u);
  EXPECT_EQ(session_->state(), ClientSession::State::kAwaitingModel);
  before = outbox_.sent.size();
  deliver_model(3, model);  // forced after D = 1 skip
  ASSERT_NE(sent_since(before).back()->message_as_Update(), nullptr);
  EXPECT_EQ(session_->counters().skips, 1u);
  EXPECT_EQ(session_->counters().updates, 2u);
}

TEST_F(PolicySessionTest, LagIsRefusedAtConfigWhenTheSourceCannotRecompute) {
  source_.can_recompute_ = false;
  configure("lag", "dense");
  EXPECT_FALSE(configured_.is_ok());
  EXPECT_EQ(session_->state(), ClientSession::State::kFailed);
  EXPECT_STREQ(session_->final_message(),
               "the lag trigger compares two gradients on one minibatch; this client cannot "
               "recompute one");
}

TEST_F(PolicySessionTest, AetScheduleSendsALocalUpdatePerRound) {
  configure("aet-schedule", "dense",
            {{"trigger.a", 1}, {"trigger.eta0", 0.5}, {"trigger.decay", 0}});
  size_t before = outbox_.sent.size();
  deliver_model(1, std::vector<float>(kDim, 1.0f));
  // Round 1, s_1 = 1 step: g = x + 1 = 2, U = -0.5 * 2 = -1.
  const auto* u1 = sent_since(before).back()->message_as_Update();
  ASSERT_NE(u1, nullptr);
  EXPECT_EQ(u1->kind(), wire::UpdateKind::LocalUpdate);
  EXPECT_EQ(u1->round(), 1u);
  EXPECT_EQ(u1->steps(), 1u);
  EXPECT_FLOAT_EQ(u1->values()->Get(4), -1.0f);
  before = outbox_.sent.size();
  deliver_model(2, std::vector<float>(kDim, 1.0f));
  // Round 2, s_2 = 2 steps: x = 1 -> 0 (g = 2) -> -0.5 (g = 1): U = -1.5.
  const auto* u2 = sent_since(before).back()->message_as_Update();
  ASSERT_NE(u2, nullptr);
  EXPECT_EQ(u2->round(), 2u);
  EXPECT_EQ(u2->steps(), 2u);
  EXPECT_FLOAT_EQ(u2->values()->Get(4), -1.5f);
  EXPECT_EQ(source_.computed, 3);
}

TEST_F(PolicySessionTest, DetsgradSendsTheDriftOnceItCrossesTheThreshold) {
  // alpha = 0.1, v0 = 5: stop once ||x - x_sent||_1 >= 0.5.
  configure("detsgrad", "dense",
            {{"trigger.alpha0", 0.1}, {"trigger.decay", 0}, {"trigger.v0", 5}});
  const size_t before = outbox_.sent.size();
  deliver_model(1, std::vector<float>(kDim, 1.0f));
  // One step moves each of the 10 coordinates by 0.1 * 2 = 0.2: drift 2 >= 0.5.
  const auto* update = sent_since(before).back()->message_as_Update();
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->kind(), wire::UpdateKind::LocalUpdate);
  EXPECT_EQ(update->steps(), 1u);
  EXPECT_FLOAT_EQ(update->values()->Get(0), -0.2f);
}

TEST_F(PolicySessionTest, FixedBudgetSendsMRandKMessagesOfOneSum) {
  configure("fixed-budget", "randk",
            {{"trigger.batches", 2}, {"trigger.sends", 3}, {"compression.k", 2}});
  const size_t before = outbox_.sent.size();
  deliver_model(5, std::vector<float>(kDim, 1.0f));
  const auto sent = sent_since(before);
  ASSERT_EQ(sent.size(), 3u);
  std::vector<uint32_t> seeds;
  for (uint16_t j = 0; j < 3; ++j) {
    const auto* update = sent[j]->message_as_Update();
    ASSERT_NE(update, nullptr);
    EXPECT_EQ(update->kind(), wire::UpdateKind::SummedGradient);
    EXPECT_EQ(update->codec(), wire::Codec::RandK);
    EXPECT_EQ(update->steps(), 2u);
    EXPECT_EQ(update->part(), j);
    EXPECT_EQ(update->parts(), 3u);
    EXPECT_FLOAT_EQ(update->scale(), 5.0f);  // d / k = 10 / 2
    ASSERT_EQ(update->values()->size(), 2u);
    EXPECT_FLOAT_EQ(update->values()->Get(0), 4.0f);  // sum of two gradients of 2
    seeds.push_back(update->seed());
  }
  EXPECT_NE(seeds[0], seeds[1]);  // a fresh mask per message
  EXPECT_NE(seeds[1], seeds[2]);
  EXPECT_EQ(source_.computed, 2);
}

TEST_F(PolicySessionTest, FixedBudgetFollowsTheBudgetItsModelCameWith) {
  configure("fixed-budget", "randk",
            {{"trigger.batches", 2}, {"trigger.sends", 3}, {"compression.k", 2}});
  // The coordinator's round budget: b_i = 4 gradients, m_i = 2 messages.
  RoundBudget budget;
  budget.batches = 4;
  budget.sends = 2;
  server_.set_round_budget(budget);
  size_t before = outbox_.sent.size();
  deliver_model(5, std::vector<float>(kDim, 1.0f));
  auto sent = sent_since(before);
  ASSERT_EQ(sent.size(), 2u);
  for (uint16_t j = 0; j < 2; ++j) {
    const auto* update = sent[j]->message_as_Update();
    ASSERT_NE(update, nullptr);
    EXPECT_EQ(update->steps(), 4u);
    EXPECT_EQ(update->parts(), 2u);
    EXPECT_EQ(update->samples(), 4u * 8u);
    EXPECT_FLOAT_EQ(update->values()->Get(0), 8.0f);  // sum of four gradients of 2
  }
  EXPECT_EQ(source_.computed, 4);
  // A model without a budget: the trigger's own settings again.
  server_.set_round_budget(RoundBudget());
  before = outbox_.sent.size();
  deliver_model(6, std::vector<float>(kDim, 1.0f));
  sent = sent_since(before);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0]->message_as_Update()->steps(), 2u);
  EXPECT_EQ(source_.computed, 6);
}

TEST_F(PolicySessionTest, OfferFirstTopKOffersTheCompressedNormAndKeepsTheResidual) {
  configure("offer-first", "topk", {{"compression.fraction", 0.2}});  // k = 2 of 10
  std::vector<float> model(kDim);
  for (uint32_t i = 0; i < kDim; ++i) model[i] = 0.1f * i;  // g_i = 1 + 0.1 i
  deliver_model(1, model);
  const double top_two = std::sqrt(1.8 * 1.8 + 1.9 * 1.9);
  EXPECT_NEAR(outbox_.last()->message_as_Offer()->body()->grad_norm(), top_two, 1e-5);
  // Rejected: nothing enters the residual, the next offer is the same.
  deliver(server_.decision(3, 1, 2, false));
  deliver_model(2, model);
  EXPECT_NEAR(outbox_.last()->message_as_Offer()->body()->grad_norm(), top_two, 1e-5);
  // Accepted: the Update carries indices 8 and 9, and what was left out stays.
  deliver(server_.decision(3, 2, 2, true));
  const auto* update = outbox_.last()->message_as_Update();
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->codec(), wire::Codec::TopK);
  ASSERT_EQ(update->indices()->size(), 2u);
  EXPECT_EQ(update->indices()->Get(0), 8u);
  EXPECT_EQ(update->indices()->Get(1), 9u);
  EXPECT_NEAR(update->grad_norm(), top_two, 1e-5);
  deliver_model(3, model);
  // u = g + e doubles indices 0..7: the largest are 2 * 1.7 and 2 * 1.6.
  EXPECT_NEAR(outbox_.last()->message_as_Offer()->body()->grad_norm(),
              std::sqrt(3.4 * 3.4 + 3.2 * 3.2), 1e-5);
}

TEST_F(PolicySessionTest, UnknownTriggerFailsConfigureWithBye) {
  configure("sometimes", "dense");
  EXPECT_FALSE(configured_.is_ok());
  EXPECT_EQ(session_->state(), ClientSession::State::kFailed);
  EXPECT_NE(std::string(session_->final_message()).find("unknown trigger policy 'sometimes'"),
            std::string::npos);
  const auto* bye = outbox_.last()->message_as_Bye();
  ASSERT_NE(bye, nullptr);
  EXPECT_EQ(bye->reason(), wire::ByeReason::ClientExit);
}

TEST_F(PolicySessionTest, BadParameterFailsConfigureNamingIt) {
  configure("offer-first", "topk", {{"compression.fraction", 2}});
  EXPECT_EQ(session_->state(), ClientSession::State::kFailed);
  EXPECT_STREQ(session_->final_message(), "[compression.topk] fraction = 2 is outside (0, 1]");
}

TEST_F(ClientSessionTest, PoliciesWithStateNeedPolicyMemory) {
  // The fixture's session has no policy memory: stateless policies only.
  ASSERT_TRUE(session_->start().is_ok());
  ConfigInfo config;
  config.model_kind = wire::ModelKind::Softmax;
  config.model_dim = kDim;
  config.num_features = 4;
  config.num_classes = 3;
  config.batch_size = 8;
  config.trigger = "lag";
  EXPECT_FALSE(deliver_refused(server_.config(1, config)).is_ok());
  EXPECT_EQ(session_->state(), ClientSession::State::kFailed);
  EXPECT_NE(std::string(session_->final_message()).find("need 30 floats"), std::string::npos)
      << session_->final_message();
}

TEST_F(ClientSessionTest, SendBufferTooSmallForTopKFailsConfigure) {
  // The fixture's send buffer (4 * 64 + overhead bytes) holds a dense update of
  // 60 values but not all 60 as top-k: 480 payload bytes + overhead.
  ASSERT_TRUE(session_->start().is_ok());
  const ConfigInfo::Param params[] = {{"compression.fraction", 1.0},
                                      {"compression.error_feedback", 0}};
  ConfigInfo config;
  config.model_kind = wire::ModelKind::Softmax;
  config.model_dim = 60;
  config.num_features = 4;
  config.num_classes = 3;
  config.batch_size = 8;
  config.compression = "topk";
  config.params = Span<const ConfigInfo::Param>(params, 2);
  std::vector<float> floats(60);
  std::vector<uint32_t> indices(60);
  session_ = std::make_unique<ClientSession>(
      identity_, Span<float>(model_.data(), model_.size()), Span<float>(grad_.data(), grad_.size()),
      Span<uint8_t>(arena_.data(), arena_.size()), source_, outbox_,
      ClientPolicyMemory{Span<float>(floats.data(), floats.size()),
                         Span<uint32_t>(indices.data(), indices.size())});
  ASSERT_TRUE(session_->start().is_ok());
  EXPECT_FALSE(deliver_refused(server_.config(1, config)).is_ok());
  EXPECT_EQ(session_->state(), ClientSession::State::kFailed);
  EXPECT_NE(
      std::string(session_->final_message()).find("topk update needs a 1008-byte send buffer"),
      std::string::npos)
      << session_->final_message();
}

}  // namespace
}  // namespace fedgate
