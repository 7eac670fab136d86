// Mutation fuzzing of the decoders inside the unit-test run: valid messages of
// every kind are flipped, truncated, extended and spliced, then fed to
// verify_envelope() and to a live ClientSession. Nothing may crash or read out
// of bounds (run under ASan/valgrind to see the latter), and every message the
// verifier passes must be fully readable.
#include <gtest/gtest.h>

#include <vector>

#include "core/base/rng.h"
#include "core/protocol/client_session.h"
#include "core/protocol/codec.h"

namespace fedgate {
namespace {

std::vector<std::vector<uint8_t>> seed_corpus() {
  std::vector<uint8_t> arena(16384);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  std::vector<std::vector<uint8_t>> corpus;
  auto keep = [&](const Result<Span<const uint8_t>>& m) {
    ASSERT_TRUE(m.is_ok());
    corpus.emplace_back(m->begin(), m->end());
  };
  HelloInfo hello;
  hello.name = "fuzz";
  hello.num_features = 4;
  keep(writer.hello(1, hello));
  const ConfigInfo::Param params[] = {{"acceptance.lambda", 3.0}};
  ConfigInfo config;
  config.model_dim = 12;
  config.num_features = 4;
  config.num_classes = 3;
  config.batch_size = 2;
  config.chunk_floats = 4;
  config.params = Span<const ConfigInfo::Param>(params, 1);
  keep(writer.config(2, config));
  std::vector<float> weights = {0.5f, -1.0f, 2.0f, 0.25f};
  keep(writer.model_chunk(3, 1, 0, 12, weights));
  keep(writer.model_chunk(4, 1, 4, 12, weights));
  keep(writer.offer(5, OfferInfo{1, 2.0f, 0.3f}));
  keep(writer.decision(6, 1, 1, true));
  UpdateInfo update;
  update.version = 1;
  update.values = weights;
  keep(writer.update(7, update));
  // Sparse forms (dim 12): top-k with indices, rand-k with a seed.
  const float sparse_values[] = {0.5f, -1.0f, 2.0f};
  const uint32_t sparse_indices[] = {1, 5, 11};
  UpdateInfo topk;
  topk.version = 1;
  topk.kind = wire::UpdateKind::SummedGradient;
  topk.vector.codec = wire::Codec::TopK;
  topk.vector.dim = 12;
  topk.vector.values = Span<const float>(sparse_values, 3);
  topk.vector.indices = Span<const uint32_t>(sparse_indices, 3);
  topk.steps = 2;
  topk.parts = 2;
  keep(writer.update(13, topk));
  UpdateInfo randk = topk;
  randk.vector.codec = wire::Codec::RandK;
  randk.vector.indices = Span<const uint32_t>();
  randk.vector.seed = 77;
  randk.vector.scale = 4.0f;
  keep(writer.update(14, randk));
  const ConfigInfo::Param policy_params[] = {{"trigger.max_skips", 2},
                                             {"compression.fraction", 0.25}};
  ConfigInfo policies = config;
  policies.trigger = "lag";
  policies.compression = "topk";
  policies.codec = wire::Codec::TopK;
  policies.params = Span<const ConfigInfo::Param>(policy_params, 2);
  keep(writer.config(15, policies));
  keep(writer.skip(8, 1));
  keep(writer.heartbeat(9, 1));
  keep(writer.model_request(10, 1));
  keep(writer.bye(11, wire::ByeReason::Finished, "done"));
  keep(writer.error(12, wire::ErrorCode::NormMismatch, 7, "bad norm"));
  return corpus;
}

std::vector<uint8_t> mutate(const std::vector<std::vector<uint8_t>>& corpus, Rng& rng) {
  std::vector<uint8_t> bytes = corpus[rng.uniform(static_cast<uint32_t>(corpus.size()))];
  const uint32_t edits = 1 + rng.uniform(4);
  for (uint32_t e = 0; e < edits && !bytes.empty(); ++e) {
    const size_t at = rng.uniform(static_cast<uint32_t>(bytes.size()));
    switch (rng.uniform(6)) {
      case 0: bytes[at] ^= static_cast<uint8_t>(1u << rng.uniform(8)); break;
      case 1: bytes[at] = static_cast<uint8_t>(rng.next_u32()); break;
      case 2: bytes.resize(at); break;
      case 3: bytes.insert(bytes.begin() + at, static_cast<uint8_t>(rng.next_u32())); break;
      case 4: {  // an "interesting" 32-bit value (offsets, lengths)
        const uint32_t values[] = {0, 1, 0x7fffffff, 0xffffffff, 0x80000000, 4, 8, 0xfffffffc};
        const uint32_t v = values[rng.uniform(8)];
        for (int k = 0; k < 4 && at + k < bytes.size(); ++k) bytes[at + k] = (v >> (8 * k)) & 0xff;
        break;
      }
      default: {  // splice a tail from another message
        const auto& other = corpus[rng.uniform(static_cast<uint32_t>(corpus.size()))];
        const size_t from = rng.uniform(static_cast<uint32_t>(other.size()));
        bytes.resize(at);
        bytes.insert(bytes.end(), other.begin() + from, other.end());
        break;
      }
    }
  }
  return bytes;
}

// Touches every field a verified message exposes.
size_t read_everything(const wire::Envelope& envelope) {
  size_t touched = 0;
  switch (envelope.message_type()) {
    case wire::Message::Hello: {
      const auto* m = envelope.message_as_Hello();
      if (m->name()) touched += m->name()->size();
      if (m->codecs()) touched += m->codecs()->size();
      break;
    }
    case wire::Message::Config: {
      const auto* m = envelope.message_as_Config();
      if (m->params()) {
        for (const auto* p : *m->params()) touched += p->name()->size();
      }
      if (m->acceptance()) touched += m->acceptance()->size();
      break;
    }
    case wire::Message::ModelChunk: {
      const auto* m = envelope.message_as_ModelChunk();
      if (m->weights()) {
        for (float w : *m->weights()) touched += w == w ? 1 : 0;
      }
      break;
    }
    case wire::Message::Update: {
      const auto* m = envelope.message_as_Update();
      if (m->values()) {
        for (float v : *m->values()) touched += v == v ? 1 : 0;
      }
      if (m->indices()) touched += m->indices()->size();
      break;
    }
    case wire::Message::Bye:
      if (envelope.message_as_Bye()->message())
        touched += envelope.message_as_Bye()->message()->size();
      break;
    case wire::Message::Error:
      if (envelope.message_as_Error()->message()) {
        touched += envelope.message_as_Error()->message()->size();
      }
      break;
    default: touched += 1;  // structs are inline and fixed-size
  }
  return touched;
}

class NullSource : public GradientSource {
 public:
  uint32_t num_features() const override { return 4; }
  uint32_t num_classes() const override { return 3; }
  Status configure(const TrainingSetup&) override { return Status::ok(); }
  Result<GradientStats> compute(Span<const float>, Span<float> grad) override {
    for (float& g : grad) g = 0.5f;
    GradientStats stats;
    stats.grad_norm = l2_norm(grad);
    return stats;
  }
};

class DropOutbox : public Outbox {
 public:
  Status send(Span<const uint8_t>) override { return Status::ok(); }
};

TEST(DecoderFuzz, VerifierNeverPassesUnreadableMessages) {
  const auto corpus = seed_corpus();
  Rng rng(2024);
  size_t passed = 0;
  for (int i = 0; i < 30000; ++i) {
    const std::vector<uint8_t> bytes = mutate(corpus, rng);
    wire::ErrorCode error = wire::ErrorCode::None;
    const wire::Envelope* envelope = verify_envelope(bytes, &error);
    if (envelope == nullptr) {
      ASSERT_NE(error, wire::ErrorCode::None);
      continue;
    }
    ++passed;
    ASSERT_NE(envelope->message_type(), wire::Message::NONE);
    read_everything(*envelope);
  }
  // Single-bit flips in float payloads stay valid, so some mutants must pass;
  // if none did, the mutator is broken and the test proves nothing.
  EXPECT_GT(passed, 100u);
}

TEST(DecoderFuzz, DecodeUpdateBoundsEveryMutatedUpdate) {
  const auto corpus = seed_corpus();
  Rng rng(31337);
  std::vector<float> scratch(12);
  size_t decoded = 0, refused = 0;
  for (int i = 0; i < 30000; ++i) {
    const std::vector<uint8_t> bytes = mutate(corpus, rng);
    wire::ErrorCode error = wire::ErrorCode::None;
    const wire::Envelope* envelope = verify_envelope(bytes, &error);
    if (envelope == nullptr || envelope->message_type() != wire::Message::Update) continue;
    wire::ErrorCode code = wire::ErrorCode::None;
    auto dense = decode_update(*envelope->message_as_Update(), 12, scratch, &code);
    if (!dense.is_ok()) {
      ASSERT_NE(code, wire::ErrorCode::None);
      ++refused;
      continue;
    }
    ++decoded;
    ASSERT_EQ(dense->size(), 12u);
    ASSERT_TRUE(all_finite(*dense));
  }
  // Both outcomes must occur, or the corpus does not reach the decoder.
  EXPECT_GT(decoded, 50u);
  EXPECT_GT(refused, 50u);
}

TEST(DecoderFuzz, SessionWithPoliciesSurvivesMutatedTraffic) {
  const auto corpus = seed_corpus();
  std::vector<float> model(16), grad(16);
  std::vector<float> floats(client_policy_floats(16));
  std::vector<uint32_t> indices(client_policy_indices(16));
  std::vector<uint8_t> arena(16 * 8 + kMessageOverhead);
  NullSource source;
  DropOutbox outbox;
  ClientIdentity identity;
  identity.name = "fuzz";
  Rng rng(78);
  for (int round = 0; round < 200; ++round) {
    ClientSession session(identity, Span<float>(model.data(), model.size()),
                          Span<float>(grad.data(), grad.size()),
                          Span<uint8_t>(arena.data(), arena.size()), source, outbox,
                          ClientPolicyMemory{floats, indices});
    ASSERT_TRUE(session.start().is_ok());
    for (int i = 0; i < 100 && !session.done(); ++i) {
      const std::vector<uint8_t> bytes =
          rng.uniform(3) == 0 ? corpus[rng.uniform(static_cast<uint32_t>(corpus.size()))]
                              : mutate(corpus, rng);
      (void)session.on_message(bytes);
    }
    const ClientCounters& c = session.counters();
    EXPECT_LE(c.discarded + c.unexpected, c.messages_received);
  }
}

TEST(DecoderFuzz, SessionSurvivesMutatedTraffic) {
  const auto corpus = seed_corpus();
  std::vector<float> model(16), grad(16);
  std::vector<uint8_t> arena(16 * 4 + kMessageOverhead);
  NullSource source;
  DropOutbox outbox;
  ClientIdentity identity;
  identity.name = "fuzz";
  Rng rng(77);
  for (int round = 0; round < 200; ++round) {
    ClientSession session(identity, Span<float>(model.data(), model.size()),
                          Span<float>(grad.data(), grad.size()),
                          Span<uint8_t>(arena.data(), arena.size()), source, outbox);
    ASSERT_TRUE(session.start().is_ok());
    for (int i = 0; i < 100 && !session.done(); ++i) {
      // Mostly valid traffic keeps the session moving through its states.
      const std::vector<uint8_t> bytes =
          rng.uniform(3) == 0 ? corpus[rng.uniform(static_cast<uint32_t>(corpus.size()))]
                              : mutate(corpus, rng);
      (void)session.on_message(bytes);
    }
    const ClientCounters& c = session.counters();
    EXPECT_LE(c.discarded + c.unexpected, c.messages_received);
  }
}

}  // namespace
}  // namespace fedgate
