#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "coordinator/policy_registry.h"
#include "coordinator/stepsize/aet_diminishing_stepsize.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "coordinator/stepsize/koloskova_stepsize.h"
#include "coordinator/stepsize/mishchenko_stepsize.h"
#include "coordinator/stepsize/rescaled_stepsize.h"
#include "coordinator/stepsize/shadowheart_stepsize.h"

namespace fedgate {
namespace {

StepContext at(uint32_t staleness, uint32_t busy_clients = 0, uint32_t current_version = 0) {
  StepContext step;
  step.staleness = staleness;
  step.busy_clients = busy_clients;
  step.current_version = current_version;
  return step;
}

// Builds `name` from one [stepsize.<name>] table; asserts it builds.
std::unique_ptr<StepsizePolicy> build(const std::string& name,
                                      std::map<std::string, double> values = {}) {
  auto policy = make_stepsize_policy(name, PolicyParams("stepsize." + name, std::move(values)));
  EXPECT_TRUE(policy.is_ok()) << policy.status().message();
  return policy.is_ok() ? std::move(*policy) : nullptr;
}

// The error message of a build that must fail.
std::string error_of(const std::string& name, std::map<std::string, double> values) {
  auto policy = make_stepsize_policy(name, PolicyParams("stepsize." + name, std::move(values)));
  EXPECT_FALSE(policy.is_ok()) << name << " built";
  return policy.is_ok() ? std::string() : std::string(policy.status().message());
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ConstantStepsize, IgnoresDelay) {
  ConstantStepsize policy(0.3);
  EXPECT_DOUBLE_EQ(policy.gamma(at(0)), 0.3);
  EXPECT_DOUBLE_EQ(policy.gamma(at(1000, 4, 99)), 0.3);
}

TEST(KoloskovaStepsize, FullStepUpToTauCThenEtaOverTau) {
  KoloskovaStepsize policy(/*eta=*/0.1, /*max_staleness=*/4);
  EXPECT_DOUBLE_EQ(policy.gamma(at(0)), 0.1);
  EXPECT_DOUBLE_EQ(policy.gamma(at(3)), 0.1);
  EXPECT_DOUBLE_EQ(policy.gamma(at(4)), 0.1);     // tau = tau_C still gets eta
  EXPECT_DOUBLE_EQ(policy.gamma(at(5)), 0.02);    // 0.1 / 5: the paper's jump at tau_C
  EXPECT_DOUBLE_EQ(policy.gamma(at(8)), 0.0125);  // 0.1 / 8
  // A set max_staleness ignores the busy-client count.
  EXPECT_DOUBLE_EQ(policy.gamma(at(8, /*busy_clients=*/100)), 0.0125);
}

TEST(KoloskovaStepsize, DefaultTauCIsBusyClients) {
  KoloskovaStepsize policy(0.1, 0);
  EXPECT_DOUBLE_EQ(policy.gamma(at(6, /*busy_clients=*/6)), 0.1);
  EXPECT_DOUBLE_EQ(policy.gamma(at(8, 6)), 0.0125);
  EXPECT_DOUBLE_EQ(policy.gamma(at(8, 8)), 0.1);
  // No busy client counted: tau_C = 0, so only a fresh gradient gets eta and tau 1 gets eta / 1.
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0)), 0.1);
  EXPECT_DOUBLE_EQ(policy.gamma(at(1, 0)), 0.1);
  EXPECT_DOUBLE_EQ(policy.gamma(at(2, 0)), 0.05);
}

TEST(MishchenkoStepsize, GammaTimesMOverMaxMTau) {
  MishchenkoStepsize policy(/*gamma=*/0.2, /*workers=*/40);
  EXPECT_DOUBLE_EQ(policy.gamma(at(0)), 0.2);
  EXPECT_DOUBLE_EQ(policy.gamma(at(10)), 0.2);
  EXPECT_DOUBLE_EQ(policy.gamma(at(40)), 0.2);
  EXPECT_DOUBLE_EQ(policy.gamma(at(80)), 0.1);    // 0.2 * 40 / 80
  EXPECT_DOUBLE_EQ(policy.gamma(at(400)), 0.02);  // 0.2 * 40 / 400
  EXPECT_DOUBLE_EQ(policy.gamma(at(80, /*busy_clients=*/2)), 0.1);
}

TEST(MishchenkoStepsize, DefaultMIsBusyClientsAndAtLeastOne) {
  MishchenkoStepsize policy(0.2, 0);
  EXPECT_DOUBLE_EQ(policy.gamma(at(8, /*busy_clients=*/4)), 0.1);  // 0.2 * 4 / 8
  EXPECT_DOUBLE_EQ(policy.gamma(at(3, 4)), 0.2);
  // No busy client counted: M = 1, never 0 / 0.
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0)), 0.2);
  EXPECT_DOUBLE_EQ(policy.gamma(at(1, 0)), 0.2);
  EXPECT_DOUBLE_EQ(policy.gamma(at(4, 0)), 0.05);
}

TEST(AetDiminishingStepsize, SqrtDecayInTheModelVersion) {
  AetDiminishingStepsize policy(/*eta0=*/0.01, /*b=*/0.01, /*min_gamma=*/1e-7);
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, /*current_version=*/0)), 0.01);
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, 10000)), 0.005);   // 0.01 / (1 + 0.01 * 100)
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, 90000)), 0.0025);  // 0.01 / (1 + 0.01 * 300)
  // The delay plays no part.
  EXPECT_DOUBLE_EQ(policy.gamma(at(500, 3, 10000)), 0.005);
}

TEST(AetDiminishingStepsize, FlooredAtMinGamma) {
  AetDiminishingStepsize policy(0.01, /*b=*/1.0, /*min_gamma=*/1e-4);
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, 9)), 0.0025);      // 0.01 / (1 + 3)
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, 9801)), 1e-4);     // 0.01 / 100 = 1e-4 exactly
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, 1000000)), 1e-4);  // 0.01 / 1001 < floor
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, 4294967295u)), 1e-4);
}

TEST(AetDiminishingStepsize, ZeroBIsConstant) {
  AetDiminishingStepsize policy(0.03, 0.0, 0.0);
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, 0)), 0.03);
  EXPECT_DOUBLE_EQ(policy.gamma(at(0, 0, 1000000)), 0.03);
}

TEST(StepsizeRegistry, DefaultsAndSettings) {
  auto koloskova = build("koloskova");
  ASSERT_NE(koloskova, nullptr);
  EXPECT_STREQ(koloskova->name(), "koloskova");
  EXPECT_EQ(koloskova->settings(), (PolicySettings{{"eta", 0.05}, {"max_staleness", 0.0}}));
  EXPECT_DOUBLE_EQ(koloskova->gamma(at(10, 5)), 0.005);  // default tau_C = 5 busy clients

  auto mishchenko = build("mishchenko");
  ASSERT_NE(mishchenko, nullptr);
  EXPECT_STREQ(mishchenko->name(), "mishchenko");
  EXPECT_EQ(mishchenko->settings(), (PolicySettings{{"gamma", 0.05}, {"workers", 0.0}}));
  EXPECT_DOUBLE_EQ(mishchenko->gamma(at(10, 5)), 0.025);  // 0.05 * 5 / 10

  auto aet = build("aet-diminishing");
  ASSERT_NE(aet, nullptr);
  EXPECT_STREQ(aet->name(), "aet-diminishing");
  EXPECT_EQ(aet->settings(), (PolicySettings{{"eta0", 0.01}, {"b", 0.01}, {"min_gamma", 1e-7}}));
  EXPECT_DOUBLE_EQ(aet->gamma(at(0, 0, 10000)), 0.005);

  auto set = build("koloskova", {{"eta", 0.1}, {"max_staleness", 4}});
  ASSERT_NE(set, nullptr);
  EXPECT_DOUBLE_EQ(set->gamma(at(8, 100)), 0.0125);
  set = build("mishchenko", {{"gamma", 0.2}, {"workers", 40}});
  ASSERT_NE(set, nullptr);
  EXPECT_DOUBLE_EQ(set->gamma(at(80, 2)), 0.1);
  set = build("aet-diminishing", {{"eta0", 0.02}, {"b", 0.0}, {"min_gamma", 0.0}});
  ASSERT_NE(set, nullptr);
  EXPECT_DOUBLE_EQ(set->gamma(at(0, 0, 10000)), 0.02);
}

TEST(StepsizeRegistry, KoloskovaBadSettingsAreNamed) {
  EXPECT_TRUE(contains(error_of("koloskova", {{"eta", -0.1}}),
                       "stepsize.koloskova.eta = -0.1 is outside [1e-12, 1e+06]"));
  EXPECT_TRUE(contains(error_of("koloskova", {{"eta", 0}}), "stepsize.koloskova.eta"));
  EXPECT_TRUE(contains(error_of("koloskova", {{"max_staleness", -2}}),
                       "stepsize.koloskova.max_staleness = -2 is outside [0, 1.04858e+06]"));
  EXPECT_TRUE(contains(error_of("koloskova", {{"max_staleness", 1.5}}), "whole number"));
  EXPECT_TRUE(contains(error_of("koloskova", {{"gamma", 0.1}}),
                       "unknown setting(s) in [stepsize.koloskova]: gamma"));
}

TEST(StepsizeRegistry, MishchenkoBadSettingsAreNamed) {
  EXPECT_TRUE(contains(error_of("mishchenko", {{"gamma", -1}}),
                       "stepsize.mishchenko.gamma = -1 is outside [1e-12, 1e+06]"));
  EXPECT_TRUE(contains(error_of("mishchenko", {{"gamma", NAN}}), "stepsize.mishchenko.gamma"));
  EXPECT_TRUE(contains(error_of("mishchenko", {{"workers", -40}}),
                       "stepsize.mishchenko.workers = -40 is outside [0, 1.04858e+06]"));
  EXPECT_TRUE(contains(error_of("mishchenko", {{"M", 40}}),
                       "unknown setting(s) in [stepsize.mishchenko]: M"));
}

TEST(StepsizeRegistry, AetBadSettingsAreNamed) {
  EXPECT_TRUE(contains(error_of("aet-diminishing", {{"eta0", -0.01}}),
                       "stepsize.aet-diminishing.eta0 = -0.01 is outside [1e-12, 1e+06]"));
  EXPECT_TRUE(contains(error_of("aet-diminishing", {{"b", -0.01}}),
                       "stepsize.aet-diminishing.b = -0.01 is outside [0, 1e+06]"));
  EXPECT_TRUE(contains(error_of("aet-diminishing", {{"min_gamma", -1e-7}}),
                       "stepsize.aet-diminishing.min_gamma = -1e-07 is outside [0, 0.01]"));
  // The floor may not exceed eta0: the range names eta0's value.
  EXPECT_TRUE(contains(error_of("aet-diminishing", {{"eta0", 0.001}, {"min_gamma", 0.01}}),
                       "stepsize.aet-diminishing.min_gamma = 0.01 is outside [0, 0.001]"));
  EXPECT_TRUE(contains(error_of("aet-diminishing", {{"eta", 0.01}}),
                       "unknown setting(s) in [stepsize.aet-diminishing]: eta"));
}

TEST(StepsizeRegistry, UnknownNameListsTheNewPolicies) {
  const std::string message = error_of("adaptive", {});
  EXPECT_TRUE(contains(message, "koloskova")) << message;
  EXPECT_TRUE(contains(message, "mishchenko")) << message;
  EXPECT_TRUE(contains(message, "aet-diminishing")) << message;
}

TEST(StepsizeRegistry, InfosListEveryPolicy) {
  std::string names;
  for (const auto& info : stepsize_policy_infos()) names += std::string(info.name) + " ";
  EXPECT_EQ(names, "constant koloskova mishchenko aet-diminishing rescaled shadowheart ");
}

// One update from `client` that took `compute_s` seconds, arriving at `now_s`.
StepContext from(const std::string& client, double compute_s, double now_s = 0) {
  StepContext step;
  step.client = &client;
  step.compute_us = static_cast<uint32_t>(compute_s * 1e6);
  step.now_us = static_cast<int64_t>(now_s * 1e6);
  return step;
}

TEST(RescaledStepsize, GammaTimesTauOverHarmonicMean) {
  RescaledStepsize policy(/*gamma=*/0.1, /*beta=*/0.5, /*max_ratio=*/100, RescaledTiming::kCompute);
  const std::string a = "a", b = "b";
  // Only a is known: tau_ref = tau_a, full gamma.
  EXPECT_DOUBLE_EQ(policy.gamma(from(a, 1.0)), 0.1);
  // tau_a = 1, tau_b = 3: tau_ref = 2 / (1 + 1/3) = 1.5; gamma_b = 0.1 * 3 / 1.5.
  EXPECT_DOUBLE_EQ(policy.gamma(from(b, 3.0)), 0.2);
  EXPECT_DOUBLE_EQ(policy.reference_s(), 1.5);
  const double gamma_a = policy.gamma(from(a, 1.0));
  EXPECT_DOUBLE_EQ(gamma_a, 0.1 / 1.5);
  // Equal contribution per second: gamma_i / tau_i is the same for both.
  EXPECT_DOUBLE_EQ(gamma_a / 1.0, 0.2 / 3.0);
  // EMA with beta 0.5: tau_a = 0.5 * 1 + 0.5 * 3 = 2; tau_ref = 2 / (1/2 + 1/3) = 2.4.
  EXPECT_DOUBLE_EQ(policy.gamma(from(a, 3.0)), 0.1 * 2.0 / 2.4);
  EXPECT_DOUBLE_EQ(policy.estimate_s("a"), 2.0);
}

TEST(RescaledStepsize, FallsBackToInterArrivalTimeWithoutComputeTime) {
  RescaledStepsize policy(0.1, 0.5, 100, RescaledTiming::kCompute);
  const std::string a = "a", b = "b";
  policy.gamma(from(b, 4.0));
  // a reports no compute time: its first update carries no sample (gamma as is) ...
  EXPECT_DOUBLE_EQ(policy.gamma(from(a, 0.0, /*now_s=*/10.0)), 0.1);
  EXPECT_DOUBLE_EQ(policy.estimate_s("a"), 0.0);
  // ... its second one measures 2 s since the first: tau_ref = 2 / (1/2 + 1/4) = 8/3.
  EXPECT_DOUBLE_EQ(policy.gamma(from(a, 0.0, 12.0)), 0.1 * 2.0 / (8.0 / 3.0));
}

TEST(RescaledStepsize, RatioIsClampedAndDepartedClientsLeaveTheMean) {
  RescaledStepsize policy(0.1, 0.5, /*max_ratio=*/2, RescaledTiming::kCompute);
  const std::string a = "a", b = "b";
  policy.gamma(from(a, 1.0));
  // tau_b / tau_ref = 100 / (2 / 1.01) = 50.5 is clamped to 2.
  EXPECT_DOUBLE_EQ(policy.gamma(from(b, 100.0)), 0.2);
  // a's ratio 1 / 1.9802 = 0.505 is within [1/2, 2].
  EXPECT_DOUBLE_EQ(policy.gamma(from(a, 1.0)), 0.1 * 1.01 / 2.0);
  // c at 0.01 s: tau_ref = 3 / (1 + 0.01 + 100) = 0.0297, c's ratio 0.337 is
  // clamped to 1/2.
  const std::string c = "c";
  EXPECT_DOUBLE_EQ(policy.gamma(from(c, 0.01)), 0.05);
  policy.on_client_left("c");
  policy.on_client_left("b");
  EXPECT_DOUBLE_EQ(policy.reference_s(), 1.0);
  EXPECT_DOUBLE_EQ(policy.gamma(from(a, 1.0)), 0.1);
}

StepContext message(const std::string& client, uint32_t gradients) {
  StepContext step;
  step.client = &client;
  step.gradients = gradients;
  return step;
}

// The round-buffer settings the stepsize is built with: m, s and omega.
RoundBufferSettings round(uint32_t messages, double s, double omega) {
  RoundBufferSettings settings;
  settings.messages = messages;
  settings.s = s;
  settings.omega = omega;
  return settings;
}

TEST(ShadowheartStepsize, WeightFormula) {
  // w = 1 / (b omega + omega s + m s)
  EXPECT_DOUBLE_EQ(ShadowheartStepsize::weight(1, 2, 1.0, 1.0), 1.0 / 4.0);
  EXPECT_DOUBLE_EQ(ShadowheartStepsize::weight(3, 2, 1.0, 1.0), 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(ShadowheartStepsize::weight(3, 2, 0.5, 4.0), 1.0 / (12.0 + 2.0 + 1.0));
  EXPECT_DOUBLE_EQ(ShadowheartStepsize::weight(7, 9, 0.0, 0.0), 1.0);
}

TEST(ShadowheartStepsize, EachMessageGetsGammaTimesItsWeight) {
  // The round buffer divides by the round's Z; the stepsize gives gamma w_i.
  ShadowheartStepsize policy(/*gamma=*/2.0, round(2, 1.0, 1.0));
  const std::string a = "a", b = "b";
  EXPECT_DOUBLE_EQ(policy.gamma(message(a, 1)), 2.0 / 4.0);
  EXPECT_DOUBLE_EQ(policy.gamma(message(b, 3)), 2.0 / 6.0);
  ShadowheartStepsize plain(0.3, round(1, 0, 0));
  EXPECT_DOUBLE_EQ(plain.gamma(message(a, 5)), 0.3);
}

TEST(StepsizeRegistry, NewPoliciesCheckTheirSettings) {
  EXPECT_TRUE(contains(error_of("rescaled", {{"gamma", -1}}), "stepsize.rescaled.gamma"));
  EXPECT_TRUE(contains(error_of("rescaled", {{"beta", 1}}), "[0, 0.999]"));
  EXPECT_TRUE(contains(error_of("rescaled", {{"max_ratio", 0.5}}), "stepsize.rescaled.max_ratio"));
  EXPECT_TRUE(contains(error_of("shadowheart", {{"gamma", 0}}), "stepsize.shadowheart.gamma"));
  EXPECT_TRUE(contains(error_of("shadowheart", {{"s", 1}}), "unknown setting"));
  auto rescaled = build("rescaled");
  ASSERT_NE(rescaled, nullptr);
  EXPECT_EQ(rescaled->settings(),
            (PolicySettings{
                {"gamma", 0.05}, {"beta", 0.9}, {"max_ratio", 100.0}, {"compute_time", 0.0}}));
}

}  // namespace
}  // namespace fedgate
