#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/drop_if_stale.h"
#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/acceptance/norm_ratio_simplified.h"
#include "coordinator/policy_registry.h"
#include "core/base/rng.h"
#include "core/protocol/codec.h"

namespace fedgate {
namespace {

OfferContext offer(uint32_t v, double norm, const GlobalModel& model) {
  OfferContext context;
  context.offer_version = v;
  context.current_version = model.version();
  context.grad_norm = norm;
  context.model = &model;
  return context;
}

// Applies gradient g with stepsize gamma and tells the policy.
void step(GlobalModel& model, AcceptancePolicy& policy, const std::vector<float>& g, double gamma) {
  model.apply(g, gamma);
  AppliedStep applied;
  applied.new_version = model.version();
  applied.gamma = gamma;
  applied.grad_norm = l2_norm(g);
  policy.on_applied(applied, model);
}

TEST(AcceptAll, AcceptsEverything) {
  GlobalModel model(std::vector<float>(3, 0.0f));
  AcceptAll policy;
  for (int i = 0; i < 5; ++i) step(model, policy, {1, 1, 1}, 1.0);
  EXPECT_EQ(policy.decide(offer(0, 0.0, model)), Verdict::kAccept);
  EXPECT_EQ(policy.decide(offer(5, 1e-9, model)), Verdict::kAccept);
}

TEST(NormRatioExact, HandComputedDistance) {
  // x0 = (0,0); g1 = (3,0), g2 = (0,4), gamma = 1 -> x2 = (-3,-4); ||x2 - x0|| = 5.
  GlobalModel model(std::vector<float>(2, 0.0f));
  NormRatioExact policy(/*lambda=*/2.0, /*window=*/8, model);
  step(model, policy, {3, 0}, 1.0);
  step(model, policy, {0, 4}, 1.0);
  EXPECT_DOUBLE_EQ(policy.distance(0, model), 5.0);
  EXPECT_DOUBLE_EQ(policy.distance(1, model), 4.0);
  // Accept iff ||g|| >= lambda * dist = 10 (from v=0) or 8 (from v=1).
  EXPECT_EQ(policy.decide(offer(0, 10.0, model)), Verdict::kAccept);
  EXPECT_EQ(policy.decide(offer(0, 9.99, model)), Verdict::kReject);
  EXPECT_EQ(policy.decide(offer(1, 8.0, model)), Verdict::kAccept);
  EXPECT_EQ(policy.decide(offer(1, 7.9, model)), Verdict::kReject);
  // A fresh offer is always accepted, whatever its norm.
  EXPECT_EQ(policy.decide(offer(2, 0.0, model)), Verdict::kAccept);
}

TEST(NormRatioExact, CancellingStepsGiveZeroDistanceAndAccept) {
  GlobalModel model(std::vector<float>(2, 0.0f));
  NormRatioExact policy(1.0, 8, model);
  step(model, policy, {1, 1}, 1.0);
  step(model, policy, {-1, -1}, 1.0);
  EXPECT_DOUBLE_EQ(policy.distance(0, model), 0.0);
  EXPECT_EQ(policy.decide(offer(0, 0.0, model)), Verdict::kAccept);
}

// Offers at one version share one O(d) distance until the next commit; a
// commit must make the next decision measure the new model.
TEST(NormRatioExact, ACommitRenewsTheRememberedDistance) {
  GlobalModel model(std::vector<float>(2, 0.0f));
  NormRatioExact policy(/*lambda=*/1.0, /*window=*/8, model);
  step(model, policy, {3, 0}, 1.0);  // ||x1 - x0|| = 3
  EXPECT_EQ(policy.decide(offer(0, 3.0, model)), Verdict::kAccept);
  EXPECT_EQ(policy.decide(offer(0, 2.9, model)), Verdict::kReject);
  step(model, policy, {0, 4}, 1.0);  // ||x2 - x0|| = 5
  EXPECT_EQ(policy.decide(offer(0, 3.0, model)), Verdict::kReject);
  EXPECT_EQ(policy.decide(offer(0, 5.0, model)), Verdict::kAccept);
}

TEST(NormRatioExact, OffersOlderThanWindowAreOutside) {
  GlobalModel model(std::vector<float>(2, 0.0f));
  NormRatioExact policy(0.0, 4, model);  // lambda 0 accepts anything inside the window
  for (int i = 0; i < 6; ++i) step(model, policy, {1, 0}, 1.0);
  EXPECT_EQ(policy.decide(offer(3, 1.0, model)), Verdict::kAccept);         // tau 3 < 4
  EXPECT_EQ(policy.decide(offer(2, 1.0, model)), Verdict::kOutsideWindow);  // tau 4
  EXPECT_DOUBLE_EQ(policy.distance(3, model), 3.0);
}

TEST(NormRatioSimplified, HandComputedBound) {
  // Same steps as the exact case: the bound is 1*3 + 1*4 = 7 (true distance 5).
  GlobalModel model(std::vector<float>(2, 0.0f));
  NormRatioSimplified policy(2.0, 8);
  step(model, policy, {3, 0}, 1.0);
  step(model, policy, {0, 4}, 1.0);
  EXPECT_DOUBLE_EQ(policy.distance_bound(0, 2), 7.0);
  EXPECT_DOUBLE_EQ(policy.distance_bound(1, 2), 4.0);
  EXPECT_EQ(policy.decide(offer(0, 14.0, model)), Verdict::kAccept);
  EXPECT_EQ(policy.decide(offer(0, 13.9, model)), Verdict::kReject);
  // 10 passes the exact rule (10 >= 2*5) but not the conservative bound.
  EXPECT_EQ(policy.decide(offer(0, 10.0, model)), Verdict::kReject);
  EXPECT_EQ(policy.decide(offer(2, 0.0, model)), Verdict::kAccept);
}

TEST(NormRatioSimplified, StepsizeScalesTheBound) {
  GlobalModel model(std::vector<float>(2, 0.0f));
  NormRatioSimplified policy(1.0, 8);
  step(model, policy, {3, 4}, 0.1);  // gamma*||g|| = 0.5
  EXPECT_NEAR(policy.distance_bound(0, 1), 0.5, 1e-12);
}

TEST(NormRatioSimplified, OffersOlderThanWindowAreOutside) {
  GlobalModel model(std::vector<float>(1, 0.0f));
  NormRatioSimplified policy(0.0, 3);
  for (int i = 0; i < 5; ++i) step(model, policy, {1}, 1.0);
  EXPECT_EQ(policy.decide(offer(3, 1.0, model)), Verdict::kAccept);
  EXPECT_EQ(policy.decide(offer(2, 1.0, model)), Verdict::kOutsideWindow);
}

TEST(NormRatio, SimplifiedAcceptsOnlyWhatExactAccepts) {
  // Property from docs/algorithms.md [P1]: the prefix-sum bound is conservative.
  Rng rng(11);
  const size_t dim = 20;
  GlobalModel exact_model(std::vector<float>(dim, 0.0f));
  GlobalModel simple_model(std::vector<float>(dim, 0.0f));
  NormRatioExact exact(3.0, 16, exact_model);
  NormRatioSimplified simple(3.0, 16);
  int both = 0, exact_only = 0;
  for (int t = 0; t < 300; ++t) {
    std::vector<float> g(dim);
    for (float& x : g) x = static_cast<float>(rng.normal());
    const double gamma = 0.01 + 0.1 * rng.uniform_double();
    step(exact_model, exact, g, gamma);
    step(simple_model, simple, g, gamma);
    for (int probe = 0; probe < 5; ++probe) {
      const uint32_t tau = rng.uniform(16);
      if (tau > exact_model.version()) continue;
      const uint32_t v = exact_model.version() - tau;
      const double norm = 4.0 * rng.uniform_double();
      const Verdict e = exact.decide(offer(v, norm, exact_model));
      const Verdict s = simple.decide(offer(v, norm, simple_model));
      if (s == Verdict::kAccept) {
        ASSERT_EQ(e, Verdict::kAccept) << "t=" << t << " v=" << v;
        ++both;
      } else if (e == Verdict::kAccept) {
        ++exact_only;
      }
    }
  }
  EXPECT_GT(both, 0);
  EXPECT_GT(exact_only, 0);  // the bound is strictly looser somewhere
}

OfferContext stale_offer(uint32_t v, uint32_t t, uint32_t active_clients) {
  OfferContext context;
  context.offer_version = v;
  context.current_version = t;
  context.active_clients = active_clients;
  return context;
}

TEST(DropIfStale, AcceptsUpToMaxStaleness) {
  DropIfStale policy(/*max_staleness=*/3);
  EXPECT_EQ(policy.decide(stale_offer(10, 10, 1)), Verdict::kAccept);  // tau 0
  EXPECT_EQ(policy.decide(stale_offer(7, 10, 1)), Verdict::kAccept);   // tau 3 = tau_C
  EXPECT_EQ(policy.decide(stale_offer(6, 10, 1)), Verdict::kReject);   // tau 4
  // A set max_staleness ignores the client count.
  EXPECT_EQ(policy.decide(stale_offer(6, 10, 100)), Verdict::kReject);
  EXPECT_EQ(policy.threshold(stale_offer(6, 10, 100)), 3u);
}

TEST(DropIfStale, DefaultTauCIsTheActiveClientCount) {
  DropIfStale policy(0);
  EXPECT_EQ(policy.decide(stale_offer(0, 5, 5)), Verdict::kAccept);  // tau 5 <= 5 clients
  EXPECT_EQ(policy.decide(stale_offer(0, 6, 5)), Verdict::kReject);  // tau 6 > 5
  EXPECT_EQ(policy.decide(stale_offer(0, 6, 6)), Verdict::kAccept);  // a sixth client joined
  EXPECT_EQ(policy.threshold(stale_offer(0, 6, 6)), 6u);
  // With no client counted only fresh offers pass; a stale one is a reject, never
  // kOutsideWindow, because this rule can judge any version.
  EXPECT_EQ(policy.decide(stale_offer(4, 4, 0)), Verdict::kAccept);
  EXPECT_EQ(policy.decide(stale_offer(3, 4, 0)), Verdict::kReject);
}

TEST(DropIfStale, AppliedStepsDoNotChangeTheVerdict) {
  GlobalModel model(std::vector<float>(2, 0.0f));
  DropIfStale policy(2);
  for (int i = 0; i < 4; ++i) step(model, policy, {1, 1}, 1.0);
  EXPECT_EQ(policy.decide(offer(2, 0.0, model)), Verdict::kAccept);  // t = 4, tau 2
  EXPECT_EQ(policy.decide(offer(1, 1e9, model)), Verdict::kReject);  // tau 3, whatever ||g||
}

TEST(DropIfStale, RegistryBuildsItWithDefaultAndSetting) {
  GlobalModel model(std::vector<float>(4, 0.0f));
  auto fallback = make_acceptance_policy("drop-if-stale", PolicyParams(), model);
  ASSERT_TRUE(fallback.is_ok()) << fallback.status().message();
  EXPECT_STREQ((*fallback)->name(), "drop-if-stale");
  ASSERT_EQ((*fallback)->settings().size(), 1u);
  EXPECT_EQ((*fallback)->settings()[0].first, "max_staleness");
  EXPECT_DOUBLE_EQ((*fallback)->settings()[0].second, 0.0);
  EXPECT_EQ((*fallback)->decide(stale_offer(0, 2, 2)), Verdict::kAccept);
  EXPECT_EQ((*fallback)->decide(stale_offer(0, 3, 2)), Verdict::kReject);

  auto set = make_acceptance_policy(
      "drop-if-stale", PolicyParams("acceptance.drop-if-stale", {{"max_staleness", 8}}), model);
  ASSERT_TRUE(set.is_ok()) << set.status().message();
  EXPECT_DOUBLE_EQ((*set)->settings()[0].second, 8.0);
  EXPECT_EQ((*set)->decide(stale_offer(0, 8, 2)), Verdict::kAccept);
}

TEST(DropIfStale, RegistryNamesBadSettings) {
  GlobalModel model(std::vector<float>(4, 0.0f));
  auto negative = make_acceptance_policy(
      "drop-if-stale", PolicyParams("acceptance.drop-if-stale", {{"max_staleness", -1}}), model);
  ASSERT_FALSE(negative.is_ok());
  EXPECT_NE(std::string(negative.status().message())
                .find("acceptance.drop-if-stale.max_staleness = -1 is outside [0, 1.04858e+06]"),
            std::string::npos)
      << negative.status().message();
  auto fraction = make_acceptance_policy(
      "drop-if-stale", PolicyParams("acceptance.drop-if-stale", {{"max_staleness", 2.5}}), model);
  ASSERT_FALSE(fraction.is_ok());
  EXPECT_NE(std::string(fraction.status().message()).find("whole number"), std::string::npos);
  auto typo = make_acceptance_policy(
      "drop-if-stale", PolicyParams("acceptance.drop-if-stale", {{"max_stalenes", 4}}), model);
  ASSERT_FALSE(typo.is_ok());
  EXPECT_NE(std::string(typo.status().message()).find("max_stalenes"), std::string::npos);
}

TEST(PolicyRegistry, BuildsByNameWithSettings) {
  GlobalModel model(std::vector<float>(4, 0.0f));
  auto policy = make_acceptance_policy(
      "norm-ratio-exact", PolicyParams("acceptance.norm-ratio-exact", {{"lambda", 2.5}}), model);
  ASSERT_TRUE(policy.is_ok()) << policy.status().message();
  EXPECT_STREQ((*policy)->name(), "norm-ratio-exact");
  const PolicySettings settings = (*policy)->settings();
  ASSERT_EQ(settings.size(), 2u);
  EXPECT_EQ(settings[0].first, "lambda");
  EXPECT_DOUBLE_EQ(settings[0].second, 2.5);
  EXPECT_DOUBLE_EQ(settings[1].second, 64.0);  // default window
}

TEST(PolicyRegistry, UnknownNameListsTheKnownOnes) {
  GlobalModel model(std::vector<float>(4, 0.0f));
  auto policy = make_acceptance_policy("norm-ratio", PolicyParams(), model);
  ASSERT_FALSE(policy.is_ok());
  EXPECT_NE(std::string(policy.status().message()).find("norm-ratio-simplified"),
            std::string::npos);
  auto stepsize = make_stepsize_policy("adaptive", PolicyParams());
  ASSERT_FALSE(stepsize.is_ok());
  EXPECT_NE(std::string(stepsize.status().message()).find("constant"), std::string::npos);
}

TEST(PolicyRegistry, OutOfRangeAndUnknownSettingsAreNamed) {
  GlobalModel model(std::vector<float>(4, 0.0f));
  auto negative = make_acceptance_policy(
      "norm-ratio-simplified", PolicyParams("acceptance.norm-ratio-simplified", {{"lambda", -1}}),
      model);
  ASSERT_FALSE(negative.is_ok());
  EXPECT_NE(
      std::string(negative.status().message()).find("acceptance.norm-ratio-simplified.lambda"),
      std::string::npos);
  auto window = make_acceptance_policy(
      "norm-ratio-exact", PolicyParams("acceptance.norm-ratio-exact", {{"window", 0}}), model);
  ASSERT_FALSE(window.is_ok());
  EXPECT_NE(std::string(window.status().message()).find("window"), std::string::npos);
  auto typo = make_acceptance_policy(
      "norm-ratio-exact", PolicyParams("acceptance.norm-ratio-exact", {{"lamda", 1}}), model);
  ASSERT_FALSE(typo.is_ok());
  EXPECT_NE(std::string(typo.status().message()).find("lamda"), std::string::npos);
  auto gamma =
      make_stepsize_policy("constant", PolicyParams("stepsize.constant", {{"gamma", -0.1}}));
  ASSERT_FALSE(gamma.is_ok());
  EXPECT_NE(std::string(gamma.status().message()).find("stepsize.constant.gamma"),
            std::string::npos);
}

}  // namespace
}  // namespace fedgate
