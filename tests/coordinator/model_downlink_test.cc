#include "coordinator/model_downlink.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/checkpoint_state.h"
#include "core/compression/model_codec.h"
#include "core/protocol/client_session.h"

namespace fedgate {
namespace {

constexpr uint32_t kDim = 1001;  // 4 chunks of 256 and one of 233 (odd: a half-used nibble)
constexpr uint32_t kChunk = 256;

// Every model is answered with a zero gradient: the test drives the model itself.
class ZeroSource : public GradientSource {
 public:
  uint32_t num_features() const override { return 1000; }
  uint32_t num_classes() const override { return 1; }
  Status configure(const TrainingSetup&) override { return Status::ok(); }
  Result<GradientStats> compute(Span<const float>, Span<float> grad) override {
    std::memset(grad.data(), 0, grad.size() * sizeof(float));
    return GradientStats{};
  }
};

class Captured : public Outbox {
 public:
  Status send(Span<const uint8_t> bytes) override {
    sent.emplace_back(bytes.begin(), bytes.end());
    return Status::ok();
  }
  std::vector<std::vector<uint8_t>> sent;
};

// A ClientSession fed by a ModelDownlink: the coordinator's side of the
// downlink and the device's side, without sockets.
class DownlinkPair {
 public:
  explicit DownlinkPair(wire::ModelEncoding encoding, bool client_applies = true)
      : downlink_(encoding),
        server_(Span<uint8_t>(server_arena_.data(), server_arena_.size())),
        session_(identity(), Span<float>(model_), Span<float>(grad_), Span<uint8_t>(tx_), source_,
                 outbox_) {
    HelloInfo hello;
    hello.num_features = 1000;
    hello.num_classes = 1;
    hello.applies_encoded_models = client_applies;
    MessageWriter writer(Span<uint8_t>(hello_arena_.data(), hello_arena_.size()));
    Result<Span<const uint8_t>> hello_bytes = writer.hello(1, hello);
    wire::ErrorCode error;
    downlink_.on_hello("c", *verify_envelope(*hello_bytes, &error)->message_as_Hello());
    ConfigInfo config;
    config.model_kind = wire::ModelKind::LeastSquares;
    config.model_dim = kDim;
    config.num_features = 1000;
    config.num_classes = 1;
    config.batch_size = 8;
    config.chunk_floats = kChunk;
    config.trigger = "every-step";  // answers each model with an Update, then awaits the next
    deliver(server_.config(1, config));
  }

  // Sends `model` through the downlink; `drop` skips that chunk (a lost message).
  void send(const GlobalModel& model, int drop = -1) {
    int index = 0;
    downlink_.send("c", kChunk, model, server_, &seq_,
                   [&](const Result<Span<const uint8_t>>& chunk) {
                     ASSERT_TRUE(chunk.is_ok());
                     // A copy, as a transport makes: verify_envelope wants 8-byte alignment.
                     const std::vector<uint8_t> copy(chunk->begin(), chunk->end());
                     wire::ErrorCode error;
                     const auto* envelope = verify_envelope(copy, &error);
                     ASSERT_NE(envelope, nullptr);
                     encodings.push_back(envelope->message_as_ModelChunk()->encoding());
                     bytes += chunk->size();
                     if (index++ != drop) deliver(*chunk);
                   });
  }
  void deliver(const Result<Span<const uint8_t>>& message) {
    ASSERT_TRUE(message.is_ok());
    std::vector<uint8_t> copy(message->begin(), message->end());
    const Status status = session_.on_message(copy);
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
  bool client_matches_reference() const {
    const Span<const float> reference = downlink_.reference("c");
    if (reference.size() != kDim) return false;
    // Bit for bit (the claim is exact), so compared as bit patterns, not values.
    for (size_t i = 0; i < kDim; ++i) {
      uint32_t held = 0, copy = 0;
      std::memcpy(&held, &model_[i], sizeof(held));
      std::memcpy(&copy, &reference[i], sizeof(copy));
      if (held != copy) return false;
    }
    return true;
  }
  // The last message the client sent is a ModelRequest.
  bool asked_for_model() const {
    wire::ErrorCode error;
    const auto* envelope = verify_envelope(outbox_.sent.back(), &error);
    return envelope != nullptr && envelope->message_type() == wire::Message::ModelRequest;
  }

  ModelDownlink downlink_;
  std::vector<float> model_ = std::vector<float>(kDim);
  std::vector<wire::ModelEncoding> encodings;
  size_t bytes = 0;
  ClientSession& session() { return session_; }

 private:
  static ClientIdentity identity() {
    ClientIdentity who;
    who.name = "c";
    return who;
  }
  std::vector<uint8_t> server_arena_ = std::vector<uint8_t>(kChunk * 4 + kMessageOverhead);
  std::vector<uint8_t> hello_arena_ = std::vector<uint8_t>(4 * kMessageOverhead);
  MessageWriter server_;
  uint32_t seq_ = 0;
  std::vector<float> grad_ = std::vector<float>(kDim);
  std::vector<uint8_t> tx_ =
      std::vector<uint8_t>(update_arena_bytes(kDim, 0) + 2 * kMessageAlignment);
  ZeroSource source_;
  Captured outbox_;
  ClientSession session_;
};

GlobalModel random_model(std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> initial(kDim);
  for (float& x : initial) x = normal(rng);
  return GlobalModel(initial);
}

// x <- x - 0.01 * g for a random g: one new version.
void step(GlobalModel& model, std::mt19937& rng) {
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> g(kDim);
  for (float& x : g) x = normal(rng);
  model.apply(g, 0.01);
}

TEST(ModelDownlink, ParsesCodecNamesAndNamesTheBadOne) {
  EXPECT_EQ(*parse_downlink_codec("int8-delta"), wire::ModelEncoding::Int8Delta);
  EXPECT_STREQ(downlink_codec_name(wire::ModelEncoding::Int4Delta), "int4-delta");
  const auto bad = parse_downlink_codec("int9");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(std::string(bad.status().message()).find("downlink.codec 'int9'"), std::string::npos);
}

// Reference tracking: after every one of many delta-coded versions, the
// client's model is bit-identical to the coordinator's copy of it.
TEST(ModelDownlink, ClientModelEqualsTheCoordinatorsCopyAfterManyDeltas) {
  for (const auto encoding : {wire::ModelEncoding::Int8Delta, wire::ModelEncoding::Int4Delta}) {
    std::mt19937 rng(3);
    GlobalModel model = random_model(rng);
    DownlinkPair pair(encoding);
    pair.send(model);
    EXPECT_EQ(pair.encodings.front(), wire::ModelEncoding::Dense) << "nothing to delta against";
    for (int version = 0; version < 300; ++version) {
      step(model, rng);
      pair.send(model);
      ASSERT_TRUE(pair.client_matches_reference()) << "version " << model.version();
    }
    EXPECT_EQ(pair.encodings.back(), encoding);
    EXPECT_EQ(pair.session().counters().discarded, 0u);
    EXPECT_EQ(pair.session().counters().models, 301u);
    EXPECT_EQ(pair.session().model_version(), 300u);
    // Close to the true model: within a small fraction of one step's change.
    double worst = 0;
    for (uint32_t i = 0; i < kDim; ++i) {
      worst = std::fmax(worst, std::fabs(pair.model_[i] - model.params()[i]));
    }
    EXPECT_LT(worst, encoding == wire::ModelEncoding::Int8Delta ? 1e-3 : 1e-2);
  }
}

TEST(ModelDownlink, ALostChunkIsRecoveredWithADenseModel) {
  std::mt19937 rng(5);
  GlobalModel model = random_model(rng);
  DownlinkPair pair(wire::ModelEncoding::Int8Delta);
  pair.send(model);
  step(model, rng);
  pair.send(model, /*drop=*/2);  // chunks 3 and 4 then arrive out of sequence
  EXPECT_TRUE(pair.asked_for_model());
  EXPECT_GT(pair.session().counters().discarded, 0u);
  // What the coordinator does on a ModelRequest.
  pair.downlink_.forget("c");
  pair.encodings.clear();
  pair.send(model);
  EXPECT_EQ(pair.encodings.front(), wire::ModelEncoding::Dense);
  EXPECT_TRUE(pair.client_matches_reference());
  step(model, rng);
  pair.send(model);
  EXPECT_EQ(pair.encodings.back(), wire::ModelEncoding::Int8Delta);
  EXPECT_TRUE(pair.client_matches_reference());
  EXPECT_EQ(pair.session().model_version(), 2u);
}

TEST(ModelDownlink, DeltaAgainstAnotherVersionIsRefused) {
  std::mt19937 rng(9);
  GlobalModel model = random_model(rng);
  DownlinkPair pair(wire::ModelEncoding::Int8Delta);
  pair.send(model);
  step(model, rng);
  pair.send(model, /*drop=*/0);  // the whole delta is lost: the client stays at version 0 ...
  const uint64_t discarded = pair.session().counters().discarded;
  step(model, rng);
  pair.send(model);  // ... and this delta is against version 1
  EXPECT_GT(pair.session().counters().discarded, discarded);
  EXPECT_TRUE(pair.asked_for_model());
  EXPECT_EQ(pair.session().model_version(), 0u);
}

TEST(ModelDownlink, Fp16HalvesTheBytesAndNeedsNoReference) {
  std::mt19937 rng(1);
  GlobalModel model = random_model(rng);
  DownlinkPair dense(wire::ModelEncoding::Dense), half(wire::ModelEncoding::Fp16);
  dense.send(model);
  half.send(model);
  EXPECT_EQ(half.encodings.front(), wire::ModelEncoding::Fp16);
  EXPECT_LT(half.bytes, dense.bytes * 0.6);  // half, plus five chunk headers
  EXPECT_EQ(half.downlink_.reference_bytes(), 0u);
  for (uint32_t i = 0; i < kDim; ++i) {
    ASSERT_EQ(half.model_[i], half_to_float(float_to_half(model.params()[i])));
  }
}

TEST(ModelDownlink, ClientThatDoesNotAnnounceTheEncodingGetsDense) {
  std::mt19937 rng(2);
  GlobalModel model = random_model(rng);
  DownlinkPair pair(wire::ModelEncoding::Int8Delta, /*client_applies=*/false);
  pair.send(model);
  step(model, rng);
  pair.send(model);
  for (const auto encoding : pair.encodings) EXPECT_EQ(encoding, wire::ModelEncoding::Dense);
  EXPECT_EQ(pair.downlink_.reference_bytes(), 0u);
  EXPECT_EQ(pair.session().model_version(), 1u);
}

TEST(ModelDownlink, AClientThatLeavesGivesItsReferenceBack) {
  std::mt19937 rng(4);
  GlobalModel model = random_model(rng);
  DownlinkPair pair(wire::ModelEncoding::Int8Delta);
  pair.send(model);
  EXPECT_GE(pair.downlink_.reference_bytes(), kDim * sizeof(float));
  pair.downlink_.forget("c");
  EXPECT_EQ(pair.downlink_.reference_bytes(), 0u);
}

// A checkpoint keeps what each client announced, not its reference: after a
// resume the client's next model goes dense and becomes the reference, and
// deltas follow, bit-exact, in whatever encoding the resumed run codes (a
// dense run keeps the announcements too).
TEST(ModelDownlink, ARestoredClientGetsOneDenseModelThenDeltas) {
  const std::pair<wire::ModelEncoding, wire::ModelEncoding> restarts[] = {
      {wire::ModelEncoding::Int8Delta, wire::ModelEncoding::Int4Delta},
      {wire::ModelEncoding::Dense, wire::ModelEncoding::Int8Delta}};
  for (const auto& [before, after] : restarts) {
    SCOPED_TRACE(std::string(downlink_codec_name(before)) + " -> " + downlink_codec_name(after));
    std::mt19937 rng(6);
    GlobalModel model = random_model(rng);
    DownlinkPair pair(before);
    pair.send(model);
    step(model, rng);
    pair.send(model);
    ASSERT_EQ(pair.encodings.back(), before);
    StateWriter saved;
    pair.downlink_.save_state(saved);

    ModelDownlink restored(after);
    StateReader in(Span<const uint8_t>(saved.bytes().data(), saved.bytes().size()));
    restored.restore_state(in);
    ASSERT_TRUE(in.finish("downlink").is_ok());
    EXPECT_TRUE(restored.reference("c").empty()) << "the client's copy is not known after a resume";
    pair.downlink_ = std::move(restored);
    pair.encodings.clear();
    step(model, rng);
    pair.send(model);
    EXPECT_EQ(pair.encodings.front(), wire::ModelEncoding::Dense);
    EXPECT_TRUE(pair.client_matches_reference());
    for (int version = 0; version < 5; ++version) {
      step(model, rng);
      pair.send(model);
      EXPECT_EQ(pair.encodings.back(), after);
      ASSERT_TRUE(pair.client_matches_reference()) << "version " << model.version();
    }
    EXPECT_EQ(pair.session().counters().discarded, 0u);
  }
}

TEST(ModelDownlink, ARestoredDenseOnlyClientStaysDense) {
  std::mt19937 rng(7);
  GlobalModel model = random_model(rng);
  DownlinkPair pair(wire::ModelEncoding::Dense, /*client_applies=*/false);
  pair.send(model);
  StateWriter saved;
  pair.downlink_.save_state(saved);
  ModelDownlink restored(wire::ModelEncoding::Int8Delta);
  StateReader in(Span<const uint8_t>(saved.bytes().data(), saved.bytes().size()));
  restored.restore_state(in);
  ASSERT_TRUE(in.finish("downlink").is_ok());
  pair.downlink_ = std::move(restored);
  for (int version = 0; version < 3; ++version) {
    step(model, rng);
    pair.send(model);
  }
  for (const auto encoding : pair.encodings) EXPECT_EQ(encoding, wire::ModelEncoding::Dense);
  EXPECT_EQ(pair.session().model_version(), 3u);
}

}  // namespace
}  // namespace fedgate
