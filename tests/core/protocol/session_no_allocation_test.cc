// The client path allocates nothing after construction, whatever trigger and
// compression the Config names: every received message below (Config, model
// chunks, Decisions) is prepared beforehand, and malloc/calloc/realloc of the
// whole process are counted while the session handles them (glibc: this
// executable's definitions interpose the C library's).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <vector>

#include "core/protocol/client_session.h"
#include "tests/support/heap_counter.h"

namespace fedgate {
namespace {

constexpr uint32_t kDim = 15;  // softmax, 4 features, 3 classes

// g = x + 1 on every call, nothing allocated.
class StaticSource : public GradientSource {
 public:
  uint32_t num_features() const override { return 4; }
  uint32_t num_classes() const override { return 3; }
  Status configure(const TrainingSetup&) override { return Status::ok(); }
  Result<GradientStats> compute(Span<const float> params, Span<float> grad) override {
    for (size_t i = 0; i < grad.size(); ++i) grad[i] = params[i] + 1.0f;
    return GradientStats{};
  }
  bool can_recompute() const override { return true; }
  Result<GradientStats> recompute(Span<const float> params, Span<float> grad) override {
    return compute(params, grad);
  }
};

class CountingOutbox : public Outbox {
 public:
  Status send(Span<const uint8_t>) override {
    ++sent;
    return Status::ok();
  }
  size_t sent = 0;
};

using Message = std::vector<uint8_t>;

Message copy_of(const Result<Span<const uint8_t>>& m) { return Message(m->begin(), m->end()); }

struct Case {
  const char* trigger;
  const char* compression;
  std::vector<ConfigInfo::Param> params;
};

class SessionNoAllocation : public ::testing::TestWithParam<Case> {};

TEST_P(SessionNoAllocation, HandlingMessagesNeverTouchesTheHeap) {
  const Case& c = GetParam();
  std::vector<uint8_t> server_arena(8192);
  MessageWriter server(Span<uint8_t>(server_arena.data(), server_arena.size()));
  ConfigInfo config;
  config.model_kind = wire::ModelKind::Softmax;
  config.model_dim = kDim;
  config.num_features = 4;
  config.num_classes = 3;
  config.batch_size = 4;
  config.chunk_floats = 8;
  config.trigger = c.trigger;
  config.compression = c.compression;
  config.params = Span<const ConfigInfo::Param>(c.params.data(), c.params.size());
  // Everything the session will receive, built before counting.
  std::vector<Message> traffic = {copy_of(server.config(1, config))};
  std::vector<float> weights(kDim, 0.5f);
  for (uint32_t version = 0; version < 30; ++version) {
    traffic.push_back(
        copy_of(server.model_chunk(2, version, 0, kDim, Span<const float>(weights.data(), 8))));
    traffic.push_back(
        copy_of(server.model_chunk(3, version, 8, kDim, Span<const float>(weights.data() + 8, 7))));
    traffic.push_back(copy_of(server.decision(4, version, version, version % 2 == 0)));
    weights[version % kDim] += 0.25f;
  }

  std::vector<float> model(kDim), grad(kDim), floats(client_policy_floats(kDim));
  std::vector<uint32_t> indices(client_policy_indices(kDim));
  std::vector<uint8_t> arena(8 * kDim + kMessageOverhead);
  StaticSource source;
  CountingOutbox outbox;
  ClientIdentity identity;
  identity.name = "mcu";
  ClientSession session(identity, Span<float>(model.data(), kDim), Span<float>(grad.data(), kDim),
                        Span<uint8_t>(arena.data(), arena.size()), source, outbox,
                        ClientPolicyMemory{floats, indices});

  const size_t before = heap_calls();
  ASSERT_TRUE(session.start().is_ok());
  for (const Message& m : traffic) {
    ASSERT_TRUE(session.on_message(Span<const uint8_t>(m.data(), m.size())).is_ok());
  }
  const size_t during = heap_calls() - before;
  EXPECT_EQ(during, 0u);
  EXPECT_EQ(session.state() == ClientSession::State::kFailed, false) << session.final_message();
  EXPECT_GE(session.counters().models, 30u);
  EXPECT_GT(outbox.sent, 30u);
}

INSTANTIATE_TEST_SUITE_P(
    EveryPolicy, SessionNoAllocation,
    ::testing::Values(Case{"offer-first", "topk", {{"compression.fraction", 0.2}}},
                      Case{"every-step", "randk", {{"compression.k", 3}}},
                      Case{"lag", "topk", {{"trigger.max_skips", 2}}},
                      Case{"aet-schedule", "dense", {{"trigger.a", 1}}},
                      Case{"detsgrad", "topk", {{"trigger.v0", 3}}},
                      Case{
                          "fixed-budget", "randk", {{"trigger.batches", 2}, {"trigger.sends", 2}}}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name = std::string(param_info.param.trigger) + "_" + param_info.param.compression;
      for (char& ch : name) {
        if (ch == '-') ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace fedgate
