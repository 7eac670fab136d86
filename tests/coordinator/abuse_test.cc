// Limits against abuse (docs/security.md, "Limits"): each attack of issue 11
// section 4, at the message level, against a Coordinator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/norm_ratio_simplified.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/limits.h"
#include "coordinator/metrics.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "tests/coordinator/coordinator_harness.h"

namespace fedgate {
namespace {

ServerPolicies accept_all(double gamma = 1.0) {
  ServerPolicies policies;
  policies.acceptance = std::make_unique<AcceptAll>();
  policies.stepsize = std::make_unique<ConstantStepsize>(gamma);
  return policies;
}

LimitSettings no_limits() {
  LimitSettings limits;
  limits.max_norm_ratio = 0;
  return limits;
}

double distance(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  return std::sqrt(sum);
}

bool all_finite(const std::vector<float>& values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

// The code of the Error in what the last message made the coordinator send, or None.
wire::ErrorCode error_sent(const CoordinatorHarness& h) {
  for (const auto& sent : h.last_sent()) {
    const wire::Envelope* envelope = sent.envelope();
    if (envelope != nullptr && envelope->message_type() == wire::Message::Error) {
      return envelope->message_as_Error()->code();
    }
  }
  return wire::ErrorCode::None;
}

const LimitCounts& counts(CoordinatorHarness& h) { return h.coordinator().metrics().limits; }

TEST(PrintableId, EscapesWhatIsNotPrintableAndCapsTheLength) {
  EXPECT_EQ(printable_id("client-0"), "client-0");
  EXPECT_EQ(printable_id(std::string("\x00\x01\xff", 3)), "\\x00\\x01\\xff");
  EXPECT_EQ(printable_id("a\\b\n"), "a\\x5cb\\x0a");
  EXPECT_EQ(printable_id(std::string(1000, 'x'), 8), "xxxxxxxx...");
}

TEST(UpdateGuard, AbsoluteBoundClipsOrRefuses) {
  LimitSettings limits = no_limits();
  limits.max_update_norm = 10;
  UpdateGuard clip(limits, 0);
  EXPECT_DOUBLE_EQ(clip.check_norm(5, 1).scale, 1.0);
  EXPECT_DOUBLE_EQ(clip.check_norm(1000, 1).scale, 0.01);
  // A summed gradient of 4 minibatch gradients may be 4 times as long.
  EXPECT_DOUBLE_EQ(clip.check_norm(40, 4).scale, 1.0);
  limits.clip = false;
  UpdateGuard reject(limits, 0);
  EXPECT_TRUE(reject.check_norm(1000, 1).refuse);
  EXPECT_FALSE(reject.check_norm(9, 1).refuse);
}

TEST(UpdateGuard, RelativeBoundFollowsTheMedianAfterAWarmUp) {
  LimitSettings limits;  // max_norm_ratio 10 by default
  UpdateGuard guard(limits, 0);
  // During the warm-up nothing is held back.
  EXPECT_DOUBLE_EQ(guard.check_norm(1000, 1).scale, 1.0);
  for (int i = 0; i < 64; ++i) guard.check_norm(1.0 + 0.01 * (i % 5), 1);
  const UpdateGuard::NormCheck poisoned = guard.check_norm(1000, 1);
  EXPECT_LT(poisoned.scale, 0.011);
  EXPECT_NEAR(poisoned.bound, 10.2, 0.15);
}

TEST(UpdateGuard, FiniteCheckCatchesOverflow) {
  const std::vector<float> x = {1, -3e38f};
  const std::vector<float> g = {0, 3e38f};
  EXPECT_TRUE(UpdateGuard::stays_finite(x, g, 0.1));
  EXPECT_FALSE(UpdateGuard::stays_finite(x, g, 1.0));
  EXPECT_FALSE(UpdateGuard::stays_finite(x, g, 1e300));
}

TEST(UpdateGuard, StalenessBoundIsTheWindowUnlessSet) {
  LimitSettings limits;
  EXPECT_EQ(UpdateGuard(limits, 64).staleness_bound(), 64u);
  EXPECT_EQ(UpdateGuard(limits, 0).staleness_bound(), 0u);
  EXPECT_FALSE(UpdateGuard(limits, 0).too_late(100000));
  limits.max_staleness = 8;
  EXPECT_EQ(UpdateGuard(limits, 64).staleness_bound(), 8u);
  EXPECT_TRUE(UpdateGuard(limits, 64).too_late(8));
  EXPECT_FALSE(UpdateGuard(limits, 64).too_late(7));
  EXPECT_EQ(window_from_settings(NormRatioSimplified(10, 32).settings()), 32u);
  EXPECT_EQ(window_from_settings(AcceptAll().settings()), 0u);
}

// Poison: one update of norm 1000 moved the model by 1000 * gamma.
TEST(AbuseLimits, PoisonedUpdateIsClippedToMaxUpdateNorm) {
  LimitSettings limits = no_limits();
  limits.max_update_norm = 10;
  CoordinatorHarness h(accept_all(), 8, "offer-first", nullptr, 0, limits);
  h.hello("a");
  const std::vector<float> before = h.params();
  ASSERT_TRUE(h.contribute("a", {1000, 0, 0, 0, 0, 0}));
  EXPECT_EQ(h.version(), 1u);
  EXPECT_NEAR(distance(before, h.params()), 10.0, 1e-4);
  EXPECT_EQ(counts(h).norm_clipped, 1u);
}

TEST(AbuseLimits, PoisonedUpdateIsRefusedInRejectMode) {
  LimitSettings limits = no_limits();
  limits.max_update_norm = 10;
  limits.clip = false;
  CoordinatorHarness h(accept_all(), 8, "offer-first", nullptr, 0, limits);
  h.hello("a");
  const std::vector<float> before = h.params();
  ASSERT_TRUE(h.contribute("a", {0, 1000, 0, 0, 0, 0}));
  EXPECT_EQ(error_sent(h), wire::ErrorCode::NonFinite);
  EXPECT_EQ(h.version(), 0u);
  EXPECT_EQ(h.params(), before);
  EXPECT_EQ(counts(h).norm_refused, 1u);
  // An honest update afterwards still counts.
  h.model_request("a");
  ASSERT_TRUE(h.contribute("a", {0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(h.version(), 1u);
}

// Poison: updates with one coordinate at 3e38 made the model -Inf for good.
TEST(AbuseLimits, CommitThatWouldMakeTheModelNonFiniteIsRefused) {
  CoordinatorHarness h(accept_all(), 8, "offer-first", nullptr, 0, no_limits());
  h.hello("a");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(h.contribute("a", {3e38f, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(all_finite(h.params()));
  EXPECT_EQ(h.version(), 1u);  // the first step stays finite, the others would not
  EXPECT_EQ(counts(h).non_finite_refused, 4u);
  // The run goes on with honest updates.
  ASSERT_TRUE(h.contribute("a", {0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(h.version(), 2u);
}

// Late updates: applied at staleness 884 against a window of 64.
TEST(AbuseLimits, UpdateBeyondTheWindowIsRefusedOnArrival) {
  ServerPolicies policies;
  policies.acceptance = std::make_unique<NormRatioSimplified>(0.0, 4);  // lambda 0: accept
  policies.stepsize = std::make_unique<ConstantStepsize>(0.1);
  CoordinatorHarness h(std::move(policies), 8, "every-step", nullptr, 0, no_limits());
  h.hello("slow");
  h.hello("fast");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(h.contribute("fast", {0, 0, 1, 0, 0, 0}));
  ASSERT_EQ(h.version(), 4u);
  const std::vector<float> before = h.params();
  ASSERT_TRUE(h.contribute_at("slow", 0, {1, 0, 0, 0, 0, 0}));  // staleness 4: outside
  EXPECT_EQ(error_sent(h), wire::ErrorCode::VersionOutsideWindow);
  EXPECT_EQ(h.params(), before);
  EXPECT_EQ(counts(h).late_refused, 1u);
  ASSERT_EQ(h.models_sent().size(), 1u);  // the fresh model follows
  EXPECT_EQ(h.models_sent()[0].second, 4u);
  ASSERT_TRUE(h.contribute_at("slow", 1, {1, 0, 0, 0, 0, 0}));  // staleness 3: applied
  EXPECT_EQ(h.version(), 5u);
}

// Ghosts: 10,000 Hellos with 30 KB names.
TEST(AbuseLimits, LongNamesAreRefused) {
  LimitSettings limits;
  limits.max_name_bytes = 16;
  CoordinatorHarness h(accept_all(), 8, "offer-first", nullptr, 0, limits);
  h.hello(std::string(17, 'n'));
  EXPECT_EQ(error_sent(h), wire::ErrorCode::MessageTooLarge);
  EXPECT_EQ(h.coordinator().clients().all().size(), 0u);
  h.hello(std::string(16, 'n'));
  EXPECT_EQ(h.coordinator().clients().active_count(), 1u);
  EXPECT_EQ(counts(h).registrations_refused, 1u);
}

TEST(AbuseLimits, RegistryIsBoundedAndMakesRoomFromInactiveClients) {
  LimitSettings limits;
  limits.max_clients = 3;
  CoordinatorHarness h(accept_all(), 8, "offer-first", nullptr, 0, limits);
  for (const char* id : {"a", "b", "c"}) h.hello(id);
  h.hello("d");
  EXPECT_EQ(error_sent(h), wire::ErrorCode::UnexpectedMessage);
  EXPECT_EQ(counts(h).registrations_refused, 1u);
  h.hello("a");  // a registered client may always say Hello again
  EXPECT_EQ(error_sent(h), wire::ErrorCode::None);
  h.bye("b");
  h.hello("d");
  EXPECT_EQ(error_sent(h), wire::ErrorCode::None);
  EXPECT_EQ(h.coordinator().clients().all().size(), 3u);
  EXPECT_EQ(h.coordinator().clients().all().count("b"), 0u);
  EXPECT_EQ(counts(h).clients_evicted, 1u);
}

// Ghosts: dead clients counted as active forever (21 "active" with 8 alive).
TEST(AbuseLimits, SilentClientsExpireAndMayRegisterAgain) {
  LimitSettings limits;
  limits.client_timeout_heartbeats = 3;  // heartbeat_ms is 1000
  CoordinatorHarness h(accept_all(), 8, "offer-first", nullptr, 0, limits);
  h.hello("dead");
  h.hello("alive");
  h.clock().advance_us(2'000'000);
  ASSERT_TRUE(h.contribute("alive", {0, 1, 0, 0, 0, 0}));
  h.clock().advance_us(1'500'000);
  h.tick();
  EXPECT_EQ(h.coordinator().clients().active_count(), 1u);
  EXPECT_EQ(counts(h).clients_expired, 1u);
  EXPECT_FALSE(h.contribute("dead", {0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(error_sent(h), wire::ErrorCode::UnknownClient);
  h.hello("dead");
  EXPECT_EQ(h.coordinator().clients().active_count(), 2u);
}

// Memory: 300 ModelRequests, each answered with a whole model.
TEST(AbuseLimits, ModelRequestsAreCoalescedUntilTheClientWorks) {
  CoordinatorHarness h(accept_all(), 8, "offer-first", nullptr, 0,
                       LimitSettings{});  // model_resends 2
  h.hello("a");
  size_t models = 0;
  for (int i = 0; i < 300; ++i) {
    h.model_request("a");
    models += h.models_sent().size();
  }
  EXPECT_EQ(models, 2u);
  EXPECT_EQ(counts(h).model_requests_coalesced, 298u);
  ASSERT_TRUE(h.contribute("a", {0, 1, 0, 0, 0, 0}));
  h.model_request("a");
  EXPECT_EQ(h.models_sent().size(), 1u);
}

// Memory: a Hello with max_message_bytes = 516 asked for one-float chunks.
TEST(AbuseLimits, HelloAskingForTinyChunksIsRefused) {
  LimitSettings limits;
  limits.max_model_chunks = 2;  // the harness model has 6 parameters: chunks of 3 floats or more
  CoordinatorHarness h(accept_all(), 8, "offer-first", nullptr, 0, limits);
  std::vector<uint8_t> arena(4096);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  HelloInfo info;
  info.num_features = CoordinatorHarness::kFeatures;
  info.num_classes = CoordinatorHarness::kClasses;
  info.max_message_bytes = static_cast<uint32_t>(kMessageOverhead) + 8;  // two floats
  info.name = "tiny";
  Result<Span<const uint8_t>> hello = writer.hello(1, info);
  ASSERT_TRUE(hello.is_ok());
  h.coordinator().handle("tiny", *hello);
  EXPECT_EQ(h.coordinator().clients().all().size(), 0u);
  EXPECT_EQ(counts(h).registrations_refused, 1u);
  EXPECT_EQ(h.coordinator().metrics().errors_by_code.at("MessageTooLarge"), 1u);
}

TEST(AbuseLimits, NonFiniteLossIsNullWithAHealthFlag) {
  EvalPoint point;
  point.loss = std::nan("");
  EXPECT_STREQ(evaluation_health(point), "non-finite-loss");
  const std::string line = metrics_json("eval", point, Metrics(), ClientRegistry());
  EXPECT_NE(line.find("\"loss\":null"), std::string::npos) << line;
  EXPECT_NE(line.find("\"health\":\"non-finite-loss\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"limits\":{"), std::string::npos) << line;
  point.loss = 0.5;
  EXPECT_STREQ(evaluation_health(point), "ok");
}

TEST(AbuseLimits, LimitsSectionIsReadRenderedAndChecked) {
  Result<CoordinatorConfig> config = load_coordinator_config(
      "", {"limits.max_update_norm=5", "limits.norm_action=reject", "limits.max_clients=7",
           "limits.client_timeout_heartbeats=0", "limits.max_model_chunks=16"});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  const LimitSettings& limits = config->settings.limits;
  EXPECT_EQ(limits.max_update_norm, 5);
  EXPECT_FALSE(limits.clip);
  EXPECT_EQ(limits.max_clients, 7u);
  EXPECT_EQ(limits.client_timeout_heartbeats, 0u);
  EXPECT_EQ(limits.max_model_chunks, 16u);
  const std::string text = render_coordinator_config(*config);
  EXPECT_NE(text.find("norm_action = \"reject\""), std::string::npos) << text;
  EXPECT_NE(text.find("max_clients = 7"), std::string::npos) << text;
  Result<CoordinatorConfig> bad = load_coordinator_config("", {"limits.norm_action=drop"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(std::string(bad.status().message()).find("limits.norm_action"), std::string::npos);
  EXPECT_FALSE(load_coordinator_config("", {"limits.max_clientz=7"}).is_ok());
}

TEST(AbuseLimits, ChunkFloorAndSendHwmFollowTheModel) {
  LimitSettings limits;  // max_model_chunks 64
  EXPECT_EQ(chunk_floor(limits, 7850, 1024), 123u);
  EXPECT_EQ(chunk_floor(limits, 7850, 100), 100u);  // a smaller configured chunk lowers it
  EXPECT_EQ(chunk_floor(limits, 15, 4), 1u);
  EXPECT_EQ(send_hwm_for(limits, 7850, 1024), 4 * 64 + 64);
  limits.send_hwm = 50;
  EXPECT_EQ(send_hwm_for(limits, 7850, 1024), 50);
}

}  // namespace
}  // namespace fedgate
