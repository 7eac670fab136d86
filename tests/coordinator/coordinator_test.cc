#include "coordinator/coordinator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <vector>

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/drop_if_stale.h"
#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "core/compression/randk_compressor.h"
#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

struct Sent {
  std::string client;
  std::vector<uint8_t> bytes;
  const wire::Envelope* envelope() const {
    wire::ErrorCode error;
    return verify_envelope(bytes, &error);
  }
};

class CapturingServerOutbox : public ServerOutbox {
 public:
  void send(const std::string& client, Span<const uint8_t> bytes) override {
    sent.push_back({client, std::vector<uint8_t>(bytes.begin(), bytes.end())});
  }
  std::vector<Sent> sent;
};

constexpr uint32_t kFeatures = 4;
constexpr uint32_t kClasses = 3;
constexpr uint32_t kDim = kFeatures * kClasses + kClasses;  // softmax: 15

class CoordinatorTest : public ::testing::Test {
 protected:
  CoordinatorTest() : writer_(Span<uint8_t>(arena_.data(), arena_.size())) {}

  void SetUp() override { make(/*lambda=*/1.0, /*window=*/4); }

  // `acceptance` replaces the default norm-ratio-exact(lambda, window) policy.
  void make(double lambda, uint32_t window, uint32_t max_versions = 0, double max_seconds = 0,
            uint32_t min_clients = 0, std::unique_ptr<AcceptancePolicy> acceptance = nullptr) {
    CoordinatorSettings settings;
    settings.model.kind = ModelKind::kSoftmax;
    settings.model.num_features = kFeatures;
    settings.model.num_classes = kClasses;
    settings.chunk_floats = 4;
    settings.eval_every = 0;
    settings.max_versions = max_versions;
    settings.max_seconds = max_seconds;
    settings.min_clients = min_clients;
    settings.client_policies = client_policies_;
    std::vector<float> initial(kDim);
    std::iota(initial.begin(), initial.end(), 1.0f);
    initial_ = initial;
    GlobalModel model(initial);
    if (!acceptance) acceptance = std::make_unique<NormRatioExact>(lambda, window, model);
    coordinator_ = std::make_unique<Coordinator>(settings, std::move(model), std::move(acceptance),
                                                 std::make_unique<ConstantStepsize>(0.5), nullptr,
                                                 clock_, outbox_);
    coordinator_->start();
  }

  void send(const std::string& client, const Result<Span<const uint8_t>>& message) {
    ASSERT_TRUE(message.is_ok());
    std::vector<uint8_t> copy(message->begin(), message->end());
    send_raw(client, copy);
  }
  void send_raw(const std::string& client, const std::vector<uint8_t>& bytes) {
    bytes_up_ += bytes.size();
    outbox_.sent.clear();
    coordinator_->handle(client, bytes);
  }

  void hello(const std::string& client, uint32_t features = kFeatures) {
    HelloInfo info;
    info.num_features = features;
    info.num_classes = kClasses;
    info.name = client.c_str();
    send(client, writer_.hello(1, info));
  }
  void offer(const std::string& client, uint32_t version, float norm) {
    OfferInfo info;
    info.version = version;
    info.grad_norm = norm;
    send(client, writer_.offer(2, info));
  }
  void update(const std::string& client, uint32_t version, const std::vector<float>& g,
              float norm = -1) {
    UpdateInfo info;
    info.version = version;
    info.values = g;
    info.grad_norm = norm < 0 ? static_cast<float>(l2_norm(g)) : norm;
    send(client, writer_.update(3, info));
  }
  // One accepted offer + update from `client` at the current version.
  void contribute(const std::string& client, const std::vector<float>& g) {
    const uint32_t v = coordinator_->model().version();
    offer(client, v, static_cast<float>(l2_norm(g)));
    update(client, v, g);
  }

  // The only reply must be an Error with `code`; the model must be untouched.
  void expect_error_only(wire::ErrorCode code) {
    ASSERT_FALSE(outbox_.sent.empty());
    const auto* env = outbox_.sent.front().envelope();
    ASSERT_NE(env, nullptr);
    ASSERT_EQ(env->message_type(), wire::Message::Error);
    EXPECT_EQ(env->message_as_Error()->code(), code)
        << wire::EnumNameErrorCode(env->message_as_Error()->code()) << ": "
        << env->message_as_Error()->message()->str();
    EXPECT_GT(env->message_as_Error()->message()->size(), 0u);
    EXPECT_EQ(coordinator_->metrics().errors_by_code.at(wire::EnumNameErrorCode(code)), 1u);
  }
  void expect_model_unchanged(uint32_t version, const std::vector<float>& params) {
    EXPECT_EQ(coordinator_->model().version(), version);
    const Span<const float> now = coordinator_->model().params();
    ASSERT_EQ(now.size(), params.size());
    for (size_t i = 0; i < params.size(); ++i) ASSERT_EQ(now[i], params[i]) << i;
  }
  std::vector<float> params() const {
    const Span<const float> p = coordinator_->model().params();
    return std::vector<float>(p.begin(), p.end());
  }
  std::vector<wire::Message> reply_types() const {
    std::vector<wire::Message> types;
    for (const auto& s : outbox_.sent) types.push_back(s.envelope()->message_type());
    return types;
  }

  std::vector<uint8_t> arena_ = std::vector<uint8_t>(64 * 1024);
  MessageWriter writer_;
  ManualClock clock_;
  CapturingServerOutbox outbox_;
  std::unique_ptr<Coordinator> coordinator_;
  std::vector<float> initial_;
  std::vector<float> g_ = std::vector<float>(kDim, 0.1f);
  uint64_t bytes_up_ = 0;
  ClientPolicySettings client_policies_;  // set before make()
};

TEST_F(CoordinatorTest, HelloGetsConfigAndChunkedModel) {
  hello("a");
  const auto types = reply_types();
  // Config then ceil(15 / 4) = 4 chunks.
  ASSERT_EQ(types.size(), 5u);
  EXPECT_EQ(types[0], wire::Message::Config);
  const auto* config = outbox_.sent[0].envelope()->message_as_Config();
  EXPECT_EQ(config->model_dim(), kDim);
  EXPECT_EQ(config->chunk_floats(), 4u);
  EXPECT_EQ(config->acceptance()->str(), "norm-ratio-exact");
  std::vector<float> assembled;
  for (size_t i = 1; i < 5; ++i) {
    const auto* chunk = outbox_.sent[i].envelope()->message_as_ModelChunk();
    ASSERT_NE(chunk, nullptr);
    EXPECT_EQ(chunk->offset(), assembled.size());
    EXPECT_EQ(chunk->total(), kDim);
    EXPECT_EQ(chunk->crc32(),
              chunk_crc(Span<const float>(chunk->weights()->data(), chunk->weights()->size())));
    assembled.insert(assembled.end(), chunk->weights()->begin(), chunk->weights()->end());
  }
  EXPECT_EQ(assembled, initial_);
}

TEST_F(CoordinatorTest, AcceptedUpdateIsAppliedWithStepsize) {
  hello("a");
  offer("a", 0, static_cast<float>(l2_norm(g_)));
  ASSERT_EQ(reply_types(), std::vector<wire::Message>{wire::Message::Decision});
  EXPECT_TRUE(outbox_.sent[0].envelope()->message_as_Decision()->accept());
  update("a", 0, g_);
  EXPECT_EQ(coordinator_->model().version(), 1u);
  for (size_t i = 0; i < kDim; ++i) {
    EXPECT_FLOAT_EQ(coordinator_->model().params()[i], initial_[i] - 0.5f * 0.1f);
  }
  // The new model goes back to the contributor.
  EXPECT_EQ(reply_types().size(), 4u);
  EXPECT_EQ(outbox_.sent[0].envelope()->message_as_ModelChunk()->version(), 1u);
  const Metrics& m = coordinator_->metrics();
  EXPECT_EQ(m.offers, 1u);
  EXPECT_EQ(m.accepts, 1u);
  EXPECT_EQ(m.updates, 1u);
  EXPECT_EQ(m.staleness.at(0), 1u);
  EXPECT_EQ(m.bytes_up, bytes_up_);
}

TEST_F(CoordinatorTest, StaleSmallGradientIsRejectedAndModelResent) {
  hello("a");
  hello("b");
  contribute("a", std::vector<float>(kDim, 1.0f));  // moves x by 0.5*sqrt(15) ~ 1.94
  offer("b", 0, 1.0f);                              // 1.0 < lambda * 1.94
  const auto types = reply_types();
  ASSERT_EQ(types.size(), 5u);
  EXPECT_EQ(types[0], wire::Message::Decision);
  EXPECT_FALSE(outbox_.sent[0].envelope()->message_as_Decision()->accept());
  EXPECT_EQ(outbox_.sent[0].envelope()->message_as_Decision()->current_version(), 1u);
  EXPECT_EQ(outbox_.sent[1].envelope()->message_as_ModelChunk()->version(), 1u);
  // Its update would now be unexpected.
  update("b", 0, std::vector<float>(kDim, 1.0f / std::sqrt(15.0f)));
  expect_error_only(wire::ErrorCode::UnexpectedMessage);
  const Metrics& m = coordinator_->metrics();
  EXPECT_EQ(m.offers, m.accepts + m.rejects);
  EXPECT_EQ(m.rejects, 1u);
}

TEST_F(CoordinatorTest, StaleLargeGradientIsAcceptedAndCountedAsStale) {
  hello("a");
  hello("b");
  contribute("a", std::vector<float>(kDim, 1.0f));
  std::vector<float> big(kDim, 2.0f);  // norm 7.75 > 1.94
  offer("b", 0, static_cast<float>(l2_norm(big)));
  EXPECT_TRUE(outbox_.sent[0].envelope()->message_as_Decision()->accept());
  update("b", 0, big);
  EXPECT_EQ(coordinator_->model().version(), 2u);
  EXPECT_EQ(coordinator_->metrics().staleness.at(1), 1u);
}

TEST_F(CoordinatorTest, UnverifiableBufferIsAnErrorAndChangesNothing) {
  hello("a");
  const auto before = params();
  send_raw("a", {0x10, 0, 0, 0, 'F', 'G', 'T', '1', 0xff, 0xff, 0xff, 0x7f});
  expect_error_only(wire::ErrorCode::Unverifiable);
  expect_model_unchanged(0, before);
}

TEST_F(CoordinatorTest, WrongFileIdentifierIsNamed) {
  hello("a");
  auto bytes = writer_.offer(1, OfferInfo{});
  std::vector<uint8_t> copy(bytes->begin(), bytes->end());
  copy[5] = 'Z';
  send_raw("a", copy);
  expect_error_only(wire::ErrorCode::WrongIdentifier);
}

TEST_F(CoordinatorTest, WrongProtocolVersionIsNamed) {
  hello("a");
  flatbuffers::FlatBufferBuilder builder;
  const wire::OfferBody body(0, 1.0f, 0.0f);
  wire::FinishEnvelopeBuffer(builder,
                             wire::CreateEnvelope(builder, 7, 1, wire::Message::Offer,
                                                  wire::CreateOffer(builder, &body).Union()));
  send_raw("a", std::vector<uint8_t>(builder.GetBufferPointer(),
                                     builder.GetBufferPointer() + builder.GetSize()));
  expect_error_only(wire::ErrorCode::UnsupportedProtocol);
  EXPECT_EQ(coordinator_->metrics().offers, 0u);
}

TEST_F(CoordinatorTest, WrongDimensionIsRefused) {
  hello("a");
  const auto before = params();
  std::vector<float> short_g(kDim - 1, 0.1f);
  offer("a", 0, static_cast<float>(l2_norm(short_g)));
  update("a", 0, short_g);
  expect_error_only(wire::ErrorCode::DimensionMismatch);
  expect_model_unchanged(0, before);
}

TEST_F(CoordinatorTest, NonFiniteGradientIsRefused) {
  hello("a");
  const auto before = params();
  offer("a", 0, static_cast<float>(l2_norm(g_)));
  std::vector<float> bad = g_;
  bad[3] = std::numeric_limits<float>::quiet_NaN();
  update("a", 0, bad, static_cast<float>(l2_norm(g_)));
  expect_error_only(wire::ErrorCode::NonFinite);
  bad[3] = std::numeric_limits<float>::infinity();
  offer("a", 0, static_cast<float>(l2_norm(g_)));
  update("a", 0, bad, static_cast<float>(l2_norm(g_)));
  EXPECT_EQ(coordinator_->metrics().errors_by_code.at("NonFinite"), 2u);
  expect_model_unchanged(0, before);
}

TEST_F(CoordinatorTest, NonFiniteOfferNormIsRefused) {
  hello("a");
  offer("a", 0, std::numeric_limits<float>::quiet_NaN());
  expect_error_only(wire::ErrorCode::NonFinite);
  offer("a", 0, -1.0f);
  EXPECT_EQ(coordinator_->metrics().errors_by_code.at("NonFinite"), 2u);
  EXPECT_EQ(coordinator_->metrics().offers, 0u);
}

TEST_F(CoordinatorTest, OfferFromTheFutureIsRefused) {
  hello("a");
  offer("a", 5, 1.0f);
  expect_error_only(wire::ErrorCode::VersionFromFuture);
  EXPECT_EQ(coordinator_->metrics().offers, 0u);
}

TEST_F(CoordinatorTest, OfferOutsideWindowGetsErrorThenFreshModel) {
  hello("a");
  hello("b");
  for (int i = 0; i < 4; ++i) contribute("a", g_);  // window 4: version 0 falls out
  offer("b", 0, 100.0f);
  const auto types = reply_types();
  ASSERT_EQ(types.size(), 5u);
  EXPECT_EQ(types[0], wire::Message::Error);
  EXPECT_EQ(outbox_.sent[0].envelope()->message_as_Error()->code(),
            wire::ErrorCode::VersionOutsideWindow);
  EXPECT_EQ(outbox_.sent[1].envelope()->message_as_ModelChunk()->version(), 4u);
  EXPECT_EQ(coordinator_->metrics().offers, 4u);
  // A normal event under load, not a fault: counted apart from the errors.
  EXPECT_EQ(coordinator_->metrics().stale_offers, 1u);
  EXPECT_EQ(coordinator_->metrics().errors, 0u);
  EXPECT_TRUE(coordinator_->metrics().errors_by_code.empty());
}

TEST_F(CoordinatorTest, NormMismatchIsRefused) {
  hello("a");
  const auto before = params();
  offer("a", 0, static_cast<float>(l2_norm(g_)));
  std::vector<float> other(kDim, 0.2f);  // twice the norm that was offered
  update("a", 0, other);
  expect_error_only(wire::ErrorCode::NormMismatch);
  expect_model_unchanged(0, before);
  // The refused Update used up its offer: a second try needs a new offer.
  update("a", 0, g_);
  EXPECT_EQ(outbox_.sent.front().envelope()->message_as_Error()->code(),
            wire::ErrorCode::UnexpectedMessage);
  // Within tolerance is fine.
  offer("a", 0, static_cast<float>(l2_norm(g_)));
  std::vector<float> close = g_;
  close[0] *= 1.0f + 1e-6f;
  update("a", 0, close);
  EXPECT_EQ(coordinator_->model().version(), 1u);
}

TEST_F(CoordinatorTest, UpdateWithoutOfferIsRefused) {
  hello("a");
  const auto before = params();
  update("a", 0, g_);
  expect_error_only(wire::ErrorCode::UnexpectedMessage);
  expect_model_unchanged(0, before);
}

TEST_F(CoordinatorTest, UpdateCannotBeAppliedTwice) {
  hello("a");
  contribute("a", g_);
  update("a", 0, g_);
  expect_error_only(wire::ErrorCode::UnexpectedMessage);
  EXPECT_EQ(coordinator_->model().version(), 1u);
}

TEST_F(CoordinatorTest, UnknownClientIsToldToSayHello) {
  const auto before = params();
  offer("stranger", 0, 1.0f);
  expect_error_only(wire::ErrorCode::UnknownClient);
  update("stranger", 0, g_);
  expect_model_unchanged(0, before);
}

TEST_F(CoordinatorTest, OversizedMessageIsRefused) {
  hello("a");
  const auto before = params();
  std::vector<uint8_t> huge(coordinator_->max_message_bytes() + 1, 0);
  send_raw("a", huge);
  expect_error_only(wire::ErrorCode::MessageTooLarge);
  expect_model_unchanged(0, before);
}

TEST_F(CoordinatorTest, HelloWithOtherDataShapeIsRefused) {
  hello("a", kFeatures + 1);
  expect_error_only(wire::ErrorCode::DataMismatch);
  const std::string text = outbox_.sent[0].envelope()->message_as_Error()->message()->str();
  EXPECT_NE(text.find("5 features"), std::string::npos) << text;
  EXPECT_EQ(coordinator_->clients().active_count(), 0u);
}

TEST_F(CoordinatorTest, HelloFromClientThatCannotHoldTheModelIsRefused) {
  HelloInfo info;
  info.num_features = kFeatures;
  info.num_classes = kClasses;
  info.max_model_dim = kDim - 1;
  send("tiny", writer_.hello(1, info));
  expect_error_only(wire::ErrorCode::DataMismatch);
}

TEST_F(CoordinatorTest, ChunkSizeFollowsTheClientsLimit) {
  HelloInfo info;
  info.num_features = kFeatures;
  info.num_classes = kClasses;
  info.max_chunk_floats = 2;
  send("mcu", writer_.hello(1, info));
  EXPECT_EQ(reply_types().size(), 1u + 8u);  // Config + ceil(15 / 2) chunks
}

TEST_F(CoordinatorTest, ClientMessagesThatOnlyTheServerSendsAreRefused) {
  hello("a");
  send("a", writer_.decision(1, 0, 0, true));
  expect_error_only(wire::ErrorCode::UnexpectedMessage);
}

TEST_F(CoordinatorTest, RepeatedHelloResetsThePendingOffer) {
  hello("a");
  offer("a", 0, static_cast<float>(l2_norm(g_)));
  hello("a");  // the client restarted
  update("a", 0, g_);
  expect_error_only(wire::ErrorCode::UnexpectedMessage);
  EXPECT_EQ(coordinator_->clients().active_count(), 1u);
}

TEST_F(CoordinatorTest, ModelRequestAndSkipResendTheModel) {
  hello("a");
  send("a", writer_.model_request(4, 0));
  EXPECT_EQ(reply_types().size(), 4u);
  send("a", writer_.skip(5, 0));
  EXPECT_EQ(reply_types().size(), 4u);
  EXPECT_EQ(coordinator_->metrics().skips, 1u);
}

TEST_F(CoordinatorTest, ByeDeactivatesButKeepsCounts) {
  hello("a");
  contribute("a", g_);
  send("a", writer_.bye(9, wire::ByeReason::ClientExit, "leaving"));
  EXPECT_EQ(coordinator_->clients().active_count(), 0u);
  EXPECT_EQ(coordinator_->clients().all().at("a").counts.updates, 1u);
  offer("a", 1, 1.0f);
  expect_error_only(wire::ErrorCode::UnknownClient);
}

TEST_F(CoordinatorTest, MaxVersionsStopsAndSaysByeToEveryone) {
  make(1.0, 4, /*max_versions=*/2);
  hello("a");
  hello("b");
  contribute("a", g_);
  EXPECT_FALSE(coordinator_->stopped());
  const uint32_t v = coordinator_->model().version();
  offer("b", v, static_cast<float>(l2_norm(g_)));
  update("b", v, g_);
  EXPECT_TRUE(coordinator_->stopped());
  EXPECT_STREQ(coordinator_->stop_reason(), "reached max_versions");
  int byes = 0;
  for (const auto& s : outbox_.sent) byes += s.envelope()->message_type() == wire::Message::Bye;
  EXPECT_EQ(byes, 2);
  // After the stop nothing changes the model.
  offer("a", 2, 1.0f);
  expect_error_only(wire::ErrorCode::ShuttingDown);
}

TEST_F(CoordinatorTest, MinClientsHoldsTheModelUntilTheFleetIsComplete) {
  make(1.0, 4, 0, 0, /*min_clients=*/2);
  hello("a");
  ASSERT_EQ(reply_types(), std::vector<wire::Message>{wire::Message::Config});
  send("a", writer_.model_request(2, 0));
  EXPECT_TRUE(outbox_.sent.empty());
  hello("b");
  // b gets its Config, then both get the model (4 chunks each).
  ASSERT_EQ(outbox_.sent.size(), 1u + 8u);
  EXPECT_EQ(outbox_.sent[0].envelope()->message_type(), wire::Message::Config);
  int to_a = 0, to_b = 0;
  for (size_t i = 1; i < outbox_.sent.size(); ++i) {
    EXPECT_EQ(outbox_.sent[i].envelope()->message_type(), wire::Message::ModelChunk);
    (outbox_.sent[i].client == "a" ? to_a : to_b) += 1;
  }
  EXPECT_EQ(to_a, 4);
  EXPECT_EQ(to_b, 4);
  // From then on a newcomer gets the model at once.
  hello("c");
  EXPECT_EQ(reply_types().size(), 5u);
}

TEST_F(CoordinatorTest, DropIfStaleJudgesAgainstTheActiveClientCount) {
  make(1.0, 4, 0, 0, 0, std::make_unique<DropIfStale>(/*max_staleness=*/0));
  hello("a");
  hello("b");
  contribute("a", g_);
  contribute("a", g_);
  offer("b", 0, 100.0f);  // tau 2 <= 2 active clients
  EXPECT_TRUE(outbox_.sent[0].envelope()->message_as_Decision()->accept());
  contribute("a", g_);
  offer("b", 0, 100.0f);  // tau 3 > 2
  EXPECT_FALSE(outbox_.sent[0].envelope()->message_as_Decision()->accept());
}

TEST_F(CoordinatorTest, MaxSecondsStopsOnTick) {
  make(1.0, 4, 0, /*max_seconds=*/2.0);
  hello("a");
  clock_.advance_us(1'999'000);
  coordinator_->tick();
  EXPECT_FALSE(coordinator_->stopped());
  clock_.advance_us(1'000);
  coordinator_->tick();
  EXPECT_TRUE(coordinator_->stopped());
  EXPECT_STREQ(coordinator_->stop_reason(), "reached max_seconds");
}

TEST_F(CoordinatorTest, BytesAndMessagesAddUp) {
  hello("a");
  uint64_t down = 0, messages_down = 0;
  auto collect = [&] {
    for (const auto& s : outbox_.sent) {
      down += s.bytes.size();
      ++messages_down;
    }
  };
  collect();
  for (int i = 0; i < 3; ++i) {
    const uint32_t v = coordinator_->model().version();
    offer("a", v, static_cast<float>(l2_norm(g_)));
    collect();
    update("a", v, g_);
    collect();
  }
  const Metrics& m = coordinator_->metrics();
  EXPECT_EQ(m.bytes_up, bytes_up_);
  EXPECT_EQ(m.bytes_down, down);
  EXPECT_EQ(m.messages_down, messages_down);
  EXPECT_EQ(m.messages_up, 7u);
  EXPECT_EQ(coordinator_->clients().all().at("a").counts.bytes_down, down);
}

// Client policies: the coordinator decodes what the configured trigger and
// compression make clients send.
class ClientPolicyCoordinatorTest : public CoordinatorTest {
 protected:
  void SetUp() override {}
  void use(const char* trigger, const char* compression,
           std::map<std::string, double> compression_params = {}) {
    client_policies_.trigger = trigger;
    client_policies_.compression = compression;
    client_policies_.compression_params = std::move(compression_params);
    make(/*lambda=*/1.0, /*window=*/4);
  }
  void send_update(const std::string& client, const UpdateInfo& info) {
    send(client, writer_.update(3, info));
  }
};

TEST_F(ClientPolicyCoordinatorTest, ConfigNamesTheClientPoliciesAndTheirSettings) {
  client_policies_.trigger_params = {{"max_skips", 4}};
  use("lag", "topk", {{"fraction", 0.2}});
  hello("a");
  const auto* config = outbox_.sent[0].envelope()->message_as_Config();
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->trigger()->str(), "lag");
  EXPECT_EQ(config->compression()->str(), "topk");
  EXPECT_EQ(config->codec(), wire::Codec::TopK);
  bool saw_skips = false, saw_fraction = false;
  for (const auto* p : *config->params()) {
    if (p->name()->str() == "trigger.max_skips") saw_skips = p->value() == 4;
    if (p->name()->str() == "compression.fraction") saw_fraction = p->value() == 0.2;
  }
  EXPECT_TRUE(saw_skips);
  EXPECT_TRUE(saw_fraction);
  // A top-k of k = 3 of 15 is 24 payload bytes: the dense size still bounds messages.
  EXPECT_EQ(coordinator_->max_message_bytes(), kDim * 4 + kMessageOverhead);
}

TEST_F(ClientPolicyCoordinatorTest, DecodesATopKUpdateWithoutAnOffer) {
  use("every-step", "topk", {{"fraction", 0.2}});
  hello("a");
  const std::vector<float> values = {1.0f, -2.0f};
  const std::vector<uint32_t> indices = {2, 7};
  UpdateInfo info;
  info.vector.codec = wire::Codec::TopK;
  info.vector.dim = kDim;
  info.vector.values = values;
  info.vector.indices = indices;
  send_update("a", info);
  ASSERT_EQ(coordinator_->model().version(), 1u);
  std::vector<float> expected = initial_;
  expected[2] -= 0.5f * 1.0f;  // gamma = 0.5
  expected[7] += 0.5f * 2.0f;
  EXPECT_EQ(params(), expected);
  EXPECT_EQ(coordinator_->metrics().offers, 0u);
  EXPECT_EQ(coordinator_->metrics().updates, 1u);
}

TEST_F(ClientPolicyCoordinatorTest, DecodesARandKUpdateFromItsSeed) {
  use("every-step", "randk", {{"k", 3}});
  hello("a");
  std::vector<float> g(kDim);
  for (uint32_t i = 0; i < kDim; ++i) g[i] = static_cast<float>(i + 1);
  std::vector<float> values(3);
  RandKCompressor randk(kDim, 3, 11, values);
  UpdateInfo info;
  info.vector = randk.compress(g);
  send_update("a", info);
  ASSERT_EQ(coordinator_->model().version(), 1u);
  // Exactly the seed's 3 coordinates moved, by gamma * (d / k) * g_i = 0.5 * 5 * g_i.
  RandkIndices chosen(info.vector.seed, kDim, 3);
  std::vector<float> expected = initial_;
  for (uint32_t i; chosen.next(&i);) expected[i] -= 2.5f * g[i];
  EXPECT_EQ(params(), expected);
}

TEST_F(ClientPolicyCoordinatorTest, OfferedTopKUpdateIsCheckedAgainstItsDecodedNorm) {
  use("offer-first", "topk", {{"fraction", 0.2}});
  hello("a");
  const std::vector<float> values = {3.0f, 4.0f};
  const std::vector<uint32_t> indices = {0, 14};
  UpdateInfo info;
  info.vector.codec = wire::Codec::TopK;
  info.vector.dim = kDim;
  info.vector.values = values;
  info.vector.indices = indices;
  offer("a", 0, 5.0f);  // ||(3, 4)|| = 5
  send_update("a", info);
  EXPECT_EQ(coordinator_->model().version(), 1u);
  offer("a", 1, 6.0f);
  info.version = 1;
  send_update("a", info);
  expect_error_only(wire::ErrorCode::NormMismatch);
  EXPECT_EQ(coordinator_->model().version(), 1u);
}

TEST_F(ClientPolicyCoordinatorTest, UpdatesThatDoNotFitThePoliciesAreRefused) {
  use("every-step", "topk", {{"fraction", 0.2}});
  hello("a");
  const std::vector<float> before = params();
  update("a", 0, g_);  // dense, but this run takes top-k
  expect_error_only(wire::ErrorCode::UnsupportedCodec);
  UpdateInfo info;
  const std::vector<float> values = {1.0f, 1.0f};
  const std::vector<uint32_t> bad = {3, 15};
  info.vector.codec = wire::Codec::TopK;
  info.vector.dim = kDim;
  info.vector.values = values;
  info.vector.indices = bad;
  send_update("a", info);  // index 15 of a 15-parameter model
  expect_error_only(wire::ErrorCode::DimensionMismatch);
  const std::vector<uint32_t> good = {3, 14};
  info.vector.indices = good;
  info.kind = wire::UpdateKind::LocalUpdate;  // every-step sends gradients
  send_update("a", info);
  expect_error_only(wire::ErrorCode::UnexpectedMessage);
  info.kind = wire::UpdateKind::Gradient;
  info.version = 5;  // from the future
  send_update("a", info);
  expect_error_only(wire::ErrorCode::VersionFromFuture);
  expect_model_unchanged(0, before);
}

TEST_F(ClientPolicyCoordinatorTest, OfferFirstStillNeedsAnOffer) {
  use("offer-first", "dense");
  hello("a");
  update("a", 0, g_);
  expect_error_only(wire::ErrorCode::UnexpectedMessage);
}

TEST_F(ClientPolicyCoordinatorTest, HelloWithoutTheRunsCodecIsRefused) {
  use("every-step", "randk", {{"k", 3}});
  // An older client: announces only Dense.
  flatbuffers::FlatBufferBuilder builder;
  const wire::Codec dense_only[] = {wire::Codec::Dense};
  auto codecs = builder.CreateVector(reinterpret_cast<const uint8_t*>(dense_only), 1);
  auto name = builder.CreateString("old");
  wire::HelloBuilder hello_builder(builder);
  hello_builder.add_num_features(kFeatures);
  hello_builder.add_num_classes(kClasses);
  hello_builder.add_codecs(flatbuffers::Offset<flatbuffers::Vector<wire::Codec>>(codecs.o));
  hello_builder.add_name(name);
  auto body = hello_builder.Finish();
  wire::FinishEnvelopeBuffer(builder, wire::CreateEnvelope(builder, kProtocolVersion, 1,
                                                           wire::Message::Hello, body.Union()));
  send_raw("old", std::vector<uint8_t>(builder.GetBufferPointer(),
                                       builder.GetBufferPointer() + builder.GetSize()));
  expect_error_only(wire::ErrorCode::UnsupportedCodec);
  EXPECT_EQ(coordinator_->clients().active_count(), 0u);
  // The reference client announces every codec and is taken.
  hello("new");
  EXPECT_EQ(reply_types().front(), wire::Message::Config);
}

// Every key of the summary line appears once: the policy names sit beside the
// metrics (a staleness policy's name once shadowed the staleness histogram).
TEST(CoordinatorSummary, KeysAreUnique) {
  TempDir dir("summary");
  MetricsLog log;
  ASSERT_TRUE(log.open(dir.file("metrics.jsonl")));
  CoordinatorSettings settings;
  settings.model.kind = ModelKind::kSoftmax;
  settings.model.num_features = 2;
  settings.model.num_classes = 2;
  ManualClock clock;
  CapturingServerOutbox outbox;
  Coordinator coordinator(settings, GlobalModel(std::vector<float>(6, 0.0f)),
                          std::make_unique<AcceptAll>(), std::make_unique<ConstantStepsize>(0.5),
                          nullptr, clock, outbox, &log);
  coordinator.start();
  coordinator.stop("test");
  std::ifstream in(dir.file("metrics.jsonl"));
  std::string line, summary;
  while (std::getline(in, line)) summary = line;
  ASSERT_NE(summary.find("\"event\":\"summary\""), std::string::npos) << summary;
  for (const char* key : {"\"staleness\":", "\"acceptance\":", "\"aggregation\":", "\"trigger\":",
                          "\"staleness_policy\":"}) {
    const size_t first = summary.find(key);
    ASSERT_NE(first, std::string::npos) << key << " missing: " << summary;
    EXPECT_EQ(summary.find(key, first + 1), std::string::npos) << key << " twice: " << summary;
  }
  EXPECT_NE(summary.find("\"staleness\":{"), std::string::npos) << summary;
}

// Protocol version 1's Offer: a struct in the union (only C++ could encode it).
FLATBUFFERS_MANUALLY_ALIGNED_STRUCT(4) VersionOneOffer {
  uint32_t version;
  float grad_norm;
  float loss;
  uint16_t samples;
  uint16_t padding;
  uint32_t compute_us;
};
FLATBUFFERS_STRUCT_END(VersionOneOffer, 20);

TEST_F(CoordinatorTest, VersionOnePeerGetsAnErrorItCanReadNamingBothVersions) {
  hello("a");
  flatbuffers::FlatBufferBuilder builder;
  const VersionOneOffer old{3, 1.0f, 0.5f, 32, 0, 1234};
  wire::FinishEnvelopeBuffer(builder, wire::CreateEnvelope(builder, 1, 4, wire::Message::Offer,
                                                           builder.CreateStruct(old).Union()));
  send_raw("a", std::vector<uint8_t>(builder.GetBufferPointer(),
                                     builder.GetBufferPointer() + builder.GetSize()));
  ASSERT_EQ(outbox_.sent.size(), 1u);
  const std::vector<uint8_t>& reply = outbox_.sent[0].bytes;
  // Written in version 1, so a version-1 verifier (same Envelope and Error) accepts it.
  EXPECT_EQ(envelope_protocol_version(reply), 1u);
  flatbuffers::Verifier verifier(reply.data(), reply.size());
  ASSERT_TRUE(wire::VerifyEnvelopeBuffer(verifier));
  const wire::Error* error = wire::GetEnvelope(reply.data())->message_as_Error();
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->code(), wire::ErrorCode::UnsupportedProtocol);
  EXPECT_EQ(error->message()->str(),
            "protocol version 1 is not supported: this coordinator speaks 2");
  EXPECT_EQ(coordinator_->metrics().offers, 0u);
}

TEST_F(CoordinatorTest, UnknownUnionTagIsNamedByNumber) {
  hello("a");
  flatbuffers::FlatBufferBuilder builder;
  wire::FinishEnvelopeBuffer(
      builder, wire::CreateEnvelope(builder, kProtocolVersion, 4, static_cast<wire::Message>(42),
                                    wire::CreateSkip(builder, 0).Union()));
  send_raw("a", std::vector<uint8_t>(builder.GetBufferPointer(),
                                     builder.GetBufferPointer() + builder.GetSize()));
  expect_error_only(wire::ErrorCode::UnexpectedMessage);
  EXPECT_EQ(outbox_.sent.front().envelope()->message_as_Error()->message()->str(),
            "a client does not send unknown message type 42");
}

TEST_F(CoordinatorTest, OfferAfterByeSaysNotRegisteredRatherThanBeforeHello) {
  hello("a");
  send("a", writer_.bye(9, wire::ByeReason::ClientExit, "leaving"));
  offer("a", 0, 1.0f);
  expect_error_only(wire::ErrorCode::UnknownClient);
  const std::string text = outbox_.sent.front().envelope()->message_as_Error()->message()->str();
  EXPECT_EQ(text.find("before Hello"), std::string::npos) << text;
  EXPECT_NE(text.find("a sent Offer while not registered"), std::string::npos) << text;
}

}  // namespace
}  // namespace fedgate
