// Each aggregation policy end to end through a Coordinator at the message
// level: who gets a model when, and when versions commit.
#include <gtest/gtest.h>

#include <set>

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/acceptance/starvation_guard.h"
#include "coordinator/aggregation/add_update.h"
#include "coordinator/aggregation/apply_on_arrival.h"
#include "coordinator/aggregation/random_dispatch.h"
#include "coordinator/aggregation/round_buffer.h"
#include "coordinator/aggregation/stale_sum.h"
#include "coordinator/aggregation/sync_minibatch.h"
#include "coordinator/policy_registry.h"
#include "coordinator/staleness/pc_asgd_staleness.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "coordinator/stepsize/rescaled_stepsize.h"
#include "coordinator/stepsize/shadowheart_stepsize.h"
#include "core/base/rng.h"
#include "tests/coordinator/coordinator_harness.h"

namespace fedgate {
namespace {

using Models = std::vector<std::pair<std::string, uint32_t>>;

ServerPolicies with(std::unique_ptr<AggregationPolicy> aggregation,
                    std::unique_ptr<StepsizePolicy> stepsize = nullptr,
                    std::unique_ptr<AcceptancePolicy> acceptance = nullptr,
                    std::unique_ptr<StalenessPolicy> staleness = nullptr) {
  ServerPolicies policies;
  policies.acceptance = acceptance ? std::move(acceptance) : std::make_unique<AcceptAll>();
  policies.stepsize = stepsize ? std::move(stepsize) : std::make_unique<ConstantStepsize>(0.5);
  policies.staleness = std::move(staleness);
  policies.aggregation = std::move(aggregation);
  return policies;
}

const std::vector<float> kA{1, 0, 0, 0, 0, 2};
const std::vector<float> kB{0, 2, 0, 0, 0, 4};
const std::vector<float> kC{0, 0, 4, 0, 0, 6};

// x - sum_k scale_k * g_k
std::vector<float> moved(std::vector<float> x,
                         std::initializer_list<std::pair<double, std::vector<float>>> steps) {
  for (const auto& [scale, g] : steps) {
    for (size_t i = 0; i < x.size(); ++i) x[i] -= static_cast<float>(scale * g[i]);
  }
  return x;
}

void expect_params(const CoordinatorHarness& h, const std::vector<float>& expected) {
  const std::vector<float> now = h.params();
  ASSERT_EQ(now.size(), expected.size());
  for (size_t i = 0; i < now.size(); ++i) EXPECT_FLOAT_EQ(now[i], expected[i]) << "index " << i;
}

TEST(ApplyOnArrivalAggregation, CommitsEachUpdateAndAnswersTheSender) {
  CoordinatorHarness h(with(std::make_unique<ApplyOnArrival>()));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA);
  EXPECT_EQ(h.version(), 1u);
  EXPECT_EQ(h.models_sent(), (Models{{"a", 1}}));
  h.contribute("b", kB);  // b still holds version 0: tau = 1
  EXPECT_EQ(h.models_sent(), (Models{{"b", 2}}));
  expect_params(h, moved(h.initial(), {{0.5, kA}, {0.5, kB}}));
  EXPECT_EQ(h.coordinator().metrics().staleness.at(1), 1u);
  EXPECT_EQ(h.coordinator().metrics().commits, 2u);
}

TEST(RandomDispatchAggregation, NextModelGoesToTheDrawnClientQueuedWhileBusy) {
  auto owned = std::make_unique<RandomDispatch>(/*seed=*/7);
  RandomDispatch* policy = owned.get();
  CoordinatorHarness h(with(std::move(owned)));
  const std::vector<std::string> ids{"a", "b", "c"};
  for (const auto& id : ids) h.hello(id);
  Rng replica(7);  // draws exactly as the policy does: members in join order
  std::set<std::string> busy(ids.begin(), ids.end());
  std::map<std::string, uint32_t> owed;
  std::set<std::string> drawn;
  for (int step = 0; step < 40; ++step) {
    // The first busy client in name order finishes its job.
    const std::string finisher = *busy.begin();
    ASSERT_TRUE(h.contribute(finisher, kA));
    busy.erase(finisher);
    Models expected;
    const std::string chosen = ids[replica.uniform(3)];
    drawn.insert(chosen);
    if (busy.count(chosen) != 0) {
      ++owed[chosen];
    } else {
      busy.insert(chosen);
      expected.emplace_back(chosen, h.version());
    }
    if (busy.count(finisher) == 0 && owed[finisher] > 0) {
      --owed[finisher];
      busy.insert(finisher);
      expected.emplace_back(finisher, h.version());
    }
    ASSERT_EQ(h.models_sent(), expected) << "step " << step;
    // One job per update: three jobs in flight, always.
    uint32_t jobs = static_cast<uint32_t>(busy.size());
    for (const auto& id : ids) {
      EXPECT_EQ(policy->owed(id), owed[id]);
      EXPECT_EQ(policy->busy(id), busy.count(id) != 0);
      jobs += owed[id];
    }
    ASSERT_EQ(jobs, 3u);
    if (busy.empty()) break;
  }
  EXPECT_EQ(drawn.size(), 3u);
  EXPECT_EQ(h.version(), 40u);
}

TEST(RandomDispatchAggregation, JobsOfALeavingClientAreDrawnAgain) {
  auto owned = std::make_unique<RandomDispatch>(3);
  RandomDispatch* policy = owned.get();
  CoordinatorHarness h(with(std::move(owned)));
  h.hello("a");
  h.hello("b");
  // a finishes until some job is queued on the busy b.
  int guard = 0;
  while (policy->owed("b") == 0 && guard++ < 100) {
    if (policy->busy("a")) {
      h.contribute("a", kA);
    } else {
      h.contribute("b", kB);
    }
  }
  ASSERT_GT(policy->owed("b"), 0u);
  const uint32_t jobs_of_b = policy->owed("b") + 1;
  h.bye("b");
  // All of b's jobs land on a: one is sent now if a is idle, the rest queue.
  const uint32_t now_on_a = (policy->busy("a") ? 1 : 0) + policy->owed("a");
  EXPECT_GE(now_on_a, jobs_of_b);
  EXPECT_TRUE(policy->busy("a"));
  // A model request is answered only for a job the client holds.
  h.model_request("a");
  EXPECT_EQ(h.models_sent().size(), 1u);
}

TEST(StaleSumAggregation, RoundCommitsFreshPlusReusedStaleContributions) {
  CoordinatorHarness h(with(std::make_unique<StaleSum>(CoordinatorHarness::kDim)));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA);
  EXPECT_EQ(h.version(), 0u);  // waits for b
  EXPECT_TRUE(h.models_sent().empty());
  h.contribute("b", kB);
  EXPECT_EQ(h.version(), 1u);
  EXPECT_EQ(h.models_sent(), (Models{{"a", 1}, {"b", 1}}));
  const auto x1 = moved(h.initial(), {{0.5, kA}, {0.5, kB}});
  expect_params(h, x1);
  // Round 2: a skips, so its delta 0.5 kA is applied again with b's fresh one.
  h.skip("a");
  EXPECT_EQ(h.version(), 1u);
  h.contribute("b", kC);
  EXPECT_EQ(h.version(), 2u);
  const auto x2 = moved(x1, {{0.5, kA}, {0.5, kC}});
  expect_params(h, x2);
  EXPECT_EQ(h.coordinator().metrics().reused, 1u);
  EXPECT_EQ(h.coordinator().metrics().skips, 1u);
  // b leaves and takes its delta along: a round of a's Skip applies only 0.5 kA.
  h.bye("b");
  h.skip("a");
  EXPECT_EQ(h.version(), 3u);
  expect_params(h, moved(x2, {{0.5, kA}}));
  EXPECT_EQ(h.models_sent(), (Models{{"a", 3}}));
}

TEST(StaleSumAggregation, ALeaveCanCompleteTheRound) {
  CoordinatorHarness h(with(std::make_unique<StaleSum>(CoordinatorHarness::kDim)));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA);
  h.bye("b");
  EXPECT_EQ(h.version(), 1u);
  expect_params(h, moved(h.initial(), {{0.5, kA}}));
}

TEST(SyncMinibatchAggregation, AveragesOneGradientPerClientThenBroadcasts) {
  CoordinatorHarness h(with(std::make_unique<SyncMinibatch>(CoordinatorHarness::kDim)));
  h.hello("a");
  h.hello("b");
  h.hello("c");
  h.contribute("a", kA);
  h.contribute("b", kB);
  EXPECT_EQ(h.version(), 0u);
  EXPECT_TRUE(h.models_sent().empty());
  h.skip("c");  // answered without a gradient: the mean is over a and b
  EXPECT_EQ(h.version(), 1u);
  EXPECT_EQ(h.models_sent(), (Models{{"a", 1}, {"b", 1}, {"c", 1}}));
  const auto x1 = moved(h.initial(), {{0.25, kA}, {0.25, kB}});
  expect_params(h, x1);
  // A round of Skips makes no version; everyone gets version 1 again.
  h.skip("a");
  h.skip("b");
  h.skip("c");
  EXPECT_EQ(h.version(), 1u);
  EXPECT_EQ(h.models_sent(), (Models{{"a", 1}, {"b", 1}, {"c", 1}}));
  expect_params(h, x1);
  // A model request is answered during a round, as a lost chunk needs.
  h.model_request("b");
  EXPECT_EQ(h.models_sent(), (Models{{"b", 1}}));
}

// weight 1 sums as Mishchenko et al.'s code does: the mean with n times gamma.
TEST(SyncMinibatchAggregation, WeightOneSumsTheRoundsGradients) {
  CoordinatorHarness h(with(std::make_unique<SyncMinibatch>(CoordinatorHarness::kDim, 1.0)));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA);
  h.contribute("b", kB);
  EXPECT_EQ(h.version(), 1u);
  expect_params(h, moved(h.initial(), {{0.5, kA}, {0.5, kB}}));
}

TEST(SyncMinibatchAggregation, ANewcomerJoinsTheRunningRound) {
  CoordinatorHarness h(with(std::make_unique<SyncMinibatch>(CoordinatorHarness::kDim)));
  h.hello("a");
  h.contribute("a", kA);
  EXPECT_EQ(h.version(), 1u);  // alone, a is the whole round
  h.hello("b");
  h.contribute("a", kB);
  EXPECT_EQ(h.version(), 1u);  // now waits for b
  h.contribute("b", kC);
  EXPECT_EQ(h.version(), 2u);
  expect_params(h, moved(h.initial(), {{0.5, kA}, {0.25, kB}, {0.25, kC}}));
}

TEST(SyncMinibatchAggregation, ADroppedLateContributionIsNotCountedAsAnUpdate) {
  CoordinatorHarness h(with(std::make_unique<SyncMinibatch>(CoordinatorHarness::kDim)));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA);
  h.contribute("b", kB);
  ASSERT_EQ(h.version(), 1u);
  // a's second gradient for version 0 comes after the round's commit: dropped.
  h.contribute_at("a", 0, kC);
  const Metrics& metrics = h.coordinator().metrics();
  EXPECT_EQ(metrics.dropped_old, 1u);
  EXPECT_EQ(metrics.updates, 2u);
  EXPECT_EQ(metrics.staleness, (std::map<uint32_t, uint64_t>{{0, 2}}));
  EXPECT_EQ(h.coordinator().clients().all().at("a").counts.updates, 1u);
}

RoundBufferSettings buffer_settings(uint32_t messages, bool equilibrium, double s = 0) {
  RoundBufferSettings settings;
  settings.messages = messages;
  settings.s = s;
  settings.omega = 0;
  settings.equilibrium = equilibrium;
  return settings;
}

TEST(RoundBufferAggregation, CommitsTheWeightedSumAfterEveryClientsMessages) {
  CoordinatorHarness h(
      with(std::make_unique<RoundBuffer>(buffer_settings(2, false), CoordinatorHarness::kDim),
           std::make_unique<ShadowheartStepsize>(1.0, buffer_settings(2, false))));
  h.hello("a");
  h.hello("b");
  // s = omega = 0: w = 1, Z = 2 clients * 2 messages * 1 gradient = 4.
  h.contribute("a", kA);
  h.contribute("a", kA);
  h.contribute("b", kB);
  EXPECT_EQ(h.version(), 0u);
  EXPECT_TRUE(h.models_sent().empty());
  h.contribute("b", kC);
  EXPECT_EQ(h.version(), 1u);
  EXPECT_EQ(h.models_sent(), (Models{{"a", 1}, {"b", 1}}));
  expect_params(h, moved(h.initial(), {{0.5, kA}, {0.25, kB}, {0.25, kC}}));
  EXPECT_EQ(h.coordinator().metrics().buffered, 4u);
}

TEST(RoundBufferAggregation, SummedGradientsWeighByTheirCount) {
  CoordinatorHarness h(
      with(std::make_unique<RoundBuffer>(buffer_settings(1, false), CoordinatorHarness::kDim),
           std::make_unique<ShadowheartStepsize>(1.0, buffer_settings(1, false))),
      /*batch_size=*/8, "fixed-budget");
  h.hello("a");
  h.hello("b");
  // a sums 3 gradients (24 samples), b one: Z = 3 + 1, each message gets 1 / 4.
  h.contribute("a", kA, wire::UpdateKind::SummedGradient, 24);
  h.contribute("b", kB, wire::UpdateKind::SummedGradient, 8);
  EXPECT_EQ(h.version(), 1u);
  expect_params(h, moved(h.initial(), {{0.25, kA}, {0.25, kB}}));
}

TEST(RoundBufferAggregation, EquilibriumTimeEndsTheRoundWithoutTheSlowWorker) {
  auto owned =
      std::make_unique<RoundBuffer>(buffer_settings(1, true, /*s=*/1), CoordinatorHarness::kDim);
  const RoundBuffer* buffer = owned.get();
  CoordinatorHarness h(with(std::move(owned), std::make_unique<ShadowheartStepsize>(
                                                  1.0, buffer_settings(1, true, /*s=*/1))));
  h.hello("fast");
  h.hello("mid");
  h.hello("slow");
  // Round 1 waits for all (no estimates yet) and measures h = 1 s, 1.5 s and 4 s.
  h.contribute("fast", kA, wire::UpdateKind::Gradient, 8, 1'000'000);
  h.contribute("mid", kB, wire::UpdateKind::Gradient, 8, 1'500'000);
  h.contribute("slow", kB, wire::UpdateKind::Gradient, 8, 4'000'000);
  ASSERT_EQ(h.version(), 1u);
  // s = 1, omega = tau = 0: t*_j = max(h_j, 2 / sum_{i<=j} 1/h_i), so t* =
  // min(2, max(1.5, 1.2), 4) = 1.5 s. slow (4 s per gradient) cannot make it:
  // it is not sent version 1 and computes nothing for it.
  EXPECT_EQ(h.models_sent(), (Models{{"fast", 1}, {"mid", 1}}));
  EXPECT_DOUBLE_EQ(buffer->deadline_s(), 1.5);
  EXPECT_EQ(buffer->sitting_out(), 1u);
  h.clock().advance_us(1'000'000);
  h.contribute("fast", kA, wire::UpdateKind::Gradient, 8, 1'000'000);
  EXPECT_EQ(h.version(), 1u);  // mid is still computing
  h.clock().advance_us(499'000);
  h.tick();
  EXPECT_EQ(h.version(), 1u);
  h.clock().advance_us(1'000);
  h.tick();
  EXPECT_EQ(h.version(), 2u);  // t* has passed: commit without mid
  EXPECT_EQ(h.models_sent(), (Models{{"fast", 2}, {"mid", 2}}));
  const auto x2 = h.params();
  expect_params(h, x2);
  // mid's gradient for version 1 comes after the commit: dropped.
  h.contribute_at("mid", 1, kC);
  EXPECT_EQ(h.coordinator().metrics().dropped_old, 1u);
  expect_params(h, x2);
  // slow asks for the model in vain while it sits out.
  h.model_request("slow");
  EXPECT_TRUE(h.models_sent().empty());
}

TEST(RoundBufferAggregation, ARoundOfOnlyQuickMembersCommitsWhenTheyHaveAnswered) {
  CoordinatorHarness h(with(
      std::make_unique<RoundBuffer>(buffer_settings(1, true, /*s=*/1), CoordinatorHarness::kDim),
      std::make_unique<ShadowheartStepsize>(1.0, buffer_settings(1, true, /*s=*/1))));
  h.hello("fast");
  h.hello("slow");
  h.contribute("fast", kA, wire::UpdateKind::Gradient, 8, 1'000'000);
  h.contribute("slow", kB, wire::UpdateKind::Gradient, 8, 4'000'000);
  ASSERT_EQ(h.version(), 1u);
  // t* = 2 s; slow sits out, so fast's answer completes the round at once
  // (waiting for t* would only idle fast).
  EXPECT_EQ(h.models_sent(), (Models{{"fast", 1}}));
  h.clock().advance_us(1'000'000);
  h.contribute("fast", kC, wire::UpdateKind::Gradient, 8, 1'000'000);
  EXPECT_EQ(h.version(), 2u);
  EXPECT_EQ(h.models_sent(), (Models{{"fast", 2}}));
}

// Every gradient equals g, so a message of b gradients is G = b g: the
// round's step must be gamma g exactly, whatever the weights and whoever made
// the round (the expected step of docs/algorithms.md [P2d]).
std::vector<float> times(float b, const std::vector<float>& g) {
  std::vector<float> out;
  for (float v : g) out.push_back(b * v);
  return out;
}

TEST(RoundBufferAggregation, TheRoundsStepIsGammaTimesTheMeanGradient) {
  // s = 1, omega = 1, m = 2: w_a (b = 1) = 1/4, w_b (b = 3) = 1/6,
  // Z = 2 * 1/4 * 1 + 2 * 1/6 * 3 = 1.5; the step is
  // gamma (2/4 g + 2/6 * 3 g) / 1.5 = gamma g.
  RoundBufferSettings settings = buffer_settings(2, false, /*s=*/1);
  settings.omega = 1;
  CoordinatorHarness h(with(std::make_unique<RoundBuffer>(settings, CoordinatorHarness::kDim),
                            std::make_unique<ShadowheartStepsize>(0.5, settings)),
                       /*batch_size=*/8, "fixed-budget");
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA, wire::UpdateKind::SummedGradient, 8);
  h.contribute("b", times(3, kA), wire::UpdateKind::SummedGradient, 24);
  h.contribute("a", kA, wire::UpdateKind::SummedGradient, 8);
  h.contribute("b", times(3, kA), wire::UpdateKind::SummedGradient, 24);
  ASSERT_EQ(h.version(), 1u);
  expect_params(h, moved(h.initial(), {{0.5, kA}}));
}

TEST(RoundBufferAggregation, ZSumsOnlyOverTheRoundsContributors) {
  // 100 members, one of them makes the round before t*: its gradient is the
  // round's mean gradient and gets the whole gamma (not gamma / 100).
  CoordinatorHarness h(with(
      std::make_unique<RoundBuffer>(buffer_settings(1, true, /*s=*/1), CoordinatorHarness::kDim),
      std::make_unique<ShadowheartStepsize>(0.5, buffer_settings(1, true, /*s=*/1))));
  for (int i = 0; i < 100; ++i) h.hello("c" + std::to_string(i));
  for (int i = 0; i < 100; ++i) {
    h.contribute("c" + std::to_string(i), kB, wire::UpdateKind::Gradient, 8,
                 i == 0 ? 1'000'000 : 100'000'000);
  }
  ASSERT_EQ(h.version(), 1u);
  const auto x1 = h.params();
  h.models_sent();
  h.clock().advance_us(1'000'000);
  h.contribute("c0", kA, wire::UpdateKind::Gradient, 8, 1'000'000);
  h.clock().advance_us(100'000'000);
  h.tick();
  ASSERT_EQ(h.version(), 2u);
  expect_params(h, moved(x1, {{0.5, kA}}));
}

TEST(RoundBufferAggregation, EachWorkerGetsItsOwnBudgetAndTheStepIsStillGammaTimesTheGradient) {
  // s = 0, omega = 1, tau = send_s = 0.25 s: every worker's term of the
  // equilibrium equation is 1 / (2 tau omega) = 2, so s*_j = 1 / (2 j) and
  // t*_j = max(h_j, tau, s*_j) over the workers sorted by max(h, tau).
  RoundBufferSettings settings = buffer_settings(1, true, /*s=*/0);
  settings.omega = 1;
  settings.send_s = 0.25;
  auto owned = std::make_unique<RoundBuffer>(settings, CoordinatorHarness::kDim);
  const RoundBuffer* buffer = owned.get();
  CoordinatorHarness h(with(std::move(owned), std::make_unique<ShadowheartStepsize>(0.5, settings)),
                       /*batch_size=*/8, "fixed-budget");
  h.hello("fast");
  h.hello("mid");
  h.hello("slow");
  // Round 1 has no estimates: no budgets, each worker sums its trigger's one gradient.
  EXPECT_EQ(h.budget("fast"), std::make_pair(0u, 0u));
  h.contribute("fast", kA, wire::UpdateKind::SummedGradient, 8, 250'000);
  h.contribute("mid", kA, wire::UpdateKind::SummedGradient, 8, 500'000);
  h.contribute("slow", kA, wire::UpdateKind::SummedGradient, 8, 4'000'000);
  ASSERT_EQ(h.version(), 1u);
  // h = 0.25, 0.5, 4 s: t*_1 = max(0.25, 1/2) = 0.5, t*_2 = max(0.5, 1/4) = 0.5,
  // t*_3 = 4, so t* = 0.5 s. b_i = floor(t* / h_i) = 2, 1, 0 and
  // m_i = floor(t* / tau) = 2: slow (b = 0) sits out and is sent nothing.
  EXPECT_DOUBLE_EQ(buffer->equilibrium_s(), 0.5);
  EXPECT_DOUBLE_EQ(buffer->deadline_s(), 1.0);  // compute, then send: 2 t*
  EXPECT_EQ(h.models_sent(), (Models{{"fast", 1}, {"mid", 1}}));
  EXPECT_EQ(h.budget("fast"), std::make_pair(2u, 2u));
  EXPECT_EQ(h.budget("mid"), std::make_pair(1u, 2u));
  EXPECT_EQ(buffer->sitting_out(), 1u);
  // Every gradient is g = kA: fast's messages carry 2 g, mid's g, two each.
  // w_i = 1 / (b_i omega) = 1/2 and 1; Z = 2 * 1/2 * 2 + 2 * 1 * 1 = 4; the step is
  // gamma (2 * 1/2 * 2 g + 2 * 1 * g) / 4 = gamma g.
  const auto x1 = h.params();
  h.contribute("fast", times(2, kA), wire::UpdateKind::SummedGradient, 16, 500'000, 2);
  h.contribute("mid", kA, wire::UpdateKind::SummedGradient, 8, 500'000, 2);
  h.contribute("fast", times(2, kA), wire::UpdateKind::SummedGradient, 16, 500'000, 2);
  EXPECT_EQ(h.version(), 1u);  // mid owes its second message
  h.contribute("mid", kA, wire::UpdateKind::SummedGradient, 8, 500'000, 2);
  ASSERT_EQ(h.version(), 2u);
  expect_params(h, moved(x1, {{0.5, kA}}));
  // The same estimates, the same plan for the next round.
  EXPECT_EQ(h.budget("fast"), std::make_pair(2u, 2u));
  EXPECT_EQ(h.budget("mid"), std::make_pair(1u, 2u));
}

TEST(RoundBufferAggregation, WithoutBudgetsEveryWorkerKeepsItsTriggersSettings) {
  RoundBufferSettings settings = buffer_settings(1, true, /*s=*/0);
  settings.omega = 1;
  settings.send_s = 0.25;
  settings.budgets = false;
  CoordinatorHarness h(with(std::make_unique<RoundBuffer>(settings, CoordinatorHarness::kDim),
                            std::make_unique<ShadowheartStepsize>(0.5, settings)),
                       /*batch_size=*/8, "fixed-budget");
  h.hello("fast");
  h.hello("mid");
  h.contribute("fast", kA, wire::UpdateKind::SummedGradient, 8, 250'000);
  h.contribute("mid", kA, wire::UpdateKind::SummedGradient, 8, 500'000);
  ASSERT_EQ(h.version(), 1u);
  EXPECT_EQ(h.budget("fast"), std::make_pair(0u, 0u));
  EXPECT_EQ(h.budget("mid"), std::make_pair(0u, 0u));
}

TEST(AddUpdateAggregation, AddsLocalUpdatesAndBoundsTheRoundSkew) {
  auto owned = std::make_unique<AddUpdate>(/*max_round_skew=*/1, /*weight=*/1.0);
  AddUpdate* policy = owned.get();
  CoordinatorHarness h(with(std::move(owned)), 8, "aet-schedule");
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA, wire::UpdateKind::LocalUpdate);  // x += U
  EXPECT_EQ(h.version(), 1u);
  expect_params(h, moved(h.initial(), {{-1.0, kA}}));
  EXPECT_EQ(h.models_sent(), (Models{{"a", 1}}));  // round 1 - 0 <= 1
  h.contribute("a", kB, wire::UpdateKind::LocalUpdate);
  EXPECT_EQ(policy->round("a"), 2u);
  EXPECT_TRUE(h.models_sent().empty());  // 2 - 0 > 1: held
  EXPECT_TRUE(policy->held("a"));
  h.model_request("a");
  EXPECT_TRUE(h.models_sent().empty());
  h.contribute("b", kC, wire::UpdateKind::LocalUpdate);  // the slowest catches up
  EXPECT_EQ(h.models_sent(), (Models{{"b", 3}, {"a", 3}}));
  expect_params(h, moved(h.initial(), {{-1.0, kA}, {-1.0, kB}, {-1.0, kC}}));
  EXPECT_EQ(h.coordinator().metrics().held, 1u);
}

TEST(AddUpdateAggregation, ALeavingSlowClientReleasesTheOthers) {
  CoordinatorHarness h(with(std::make_unique<AddUpdate>(0, /*weight=*/1.0)), 8, "aet-schedule");
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA, wire::UpdateKind::LocalUpdate);
  EXPECT_TRUE(h.models_sent().empty());
  h.bye("b");
  EXPECT_EQ(h.models_sent(), (Models{{"a", 1}}));
  h.contribute("a", kB, wire::UpdateKind::LocalUpdate);
  expect_params(h, moved(h.initial(), {{-1.0, kA}, {-1.0, kB}}));
}

TEST(AddUpdateAggregation, ByDefaultALocalUpdateMovesTheModelByItsShareOfTheFleet) {
  CoordinatorHarness h(with(std::make_unique<AddUpdate>(5, /*weight=*/0)), 8, "aet-schedule");
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA, wire::UpdateKind::LocalUpdate);  // x += U / 2
  expect_params(h, moved(h.initial(), {{-0.5, kA}}));
  h.contribute("b", kB, wire::UpdateKind::LocalUpdate);
  expect_params(h, moved(h.initial(), {{-0.5, kA}, {-0.5, kB}}));
}

TEST(PcAsgdThroughTheCoordinator, ATooStaleGradientIsClippedAndTheClientGetsTheModel) {
  PcAsgdSettings settings;
  settings.max_staleness = 1;
  settings.window = 8;
  GlobalModel probe(std::vector<float>(CoordinatorHarness::kDim));
  CoordinatorHarness h(with(std::make_unique<ApplyOnArrival>(), nullptr, nullptr,
                            std::make_unique<PcAsgdStaleness>(settings, probe)));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA);
  h.contribute("a", kA);
  const auto x2 = h.params();
  h.contribute("b", kB);  // tau 2 > 1
  EXPECT_EQ(h.version(), 2u);
  expect_params(h, x2);
  EXPECT_EQ(h.coordinator().metrics().clipped, 1u);
  EXPECT_EQ(h.models_sent(), (Models{{"b", 2}}));
}

TEST(PcAsgdThroughTheCoordinator, PredictsFromTheCoordinatorsOwnSnapshots) {
  PcAsgdSettings settings;
  settings.lambda = 0.5;
  settings.adaptive = false;
  // Built around a model of zeros: the coordinator stores its own version 0.
  GlobalModel probe(std::vector<float>(CoordinatorHarness::kDim));
  CoordinatorHarness h(with(std::make_unique<ApplyOnArrival>(), nullptr, nullptr,
                            std::make_unique<PcAsgdStaleness>(settings, probe)));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA);  // x_1 - x_0 = -0.5 kA = (-0.5, 0, 0, 0, 0, -1)
  const auto x1 = h.params();
  h.contribute("b", kB);  // tau 1
  // g^ = kB + 0.5 kB.kB.(x_1 - x_0) = (0, 2, 0, 0, 0, 4 + 0.5*16*(-1)) = (0, 2, 0, 0, 0, -4).
  expect_params(h, moved(x1, {{0.5, {0, 2, 0, 0, 0, -4}}}));
}

TEST(StarvationGuardThroughTheCoordinator, ForcedOfferIsAppliedWithTheDampedStep) {
  GlobalModel probe(std::vector<float>{1, 2, 3, 4, 5, 6});
  auto guarded = with_starvation_guard(
      std::make_unique<NormRatioExact>(/*lambda=*/1000.0, /*window=*/16, probe), 1);
  CoordinatorHarness h(with(std::make_unique<ApplyOnArrival>(), nullptr, std::move(guarded)));
  h.hello("a");
  h.hello("b");
  for (int i = 0; i < 3; ++i) h.contribute("a", kA);
  EXPECT_FALSE(h.contribute("b", kB));  // stale and small: rejected, gets version 3
  for (int i = 0; i < 3; ++i) h.contribute("a", kA);
  const auto x6 = h.params();
  EXPECT_TRUE(h.contribute("b", kB));  // rejected again by the rule, forced
  // M / max(M, tau) = 2 / 3 on gamma 0.5.
  expect_params(h, moved(x6, {{0.5 * 2.0 / 3.0, kB}}));
  EXPECT_EQ(h.coordinator().metrics().forced_accepts, 1u);
}

TEST(RescaledThroughTheCoordinator, ComputeTimesReachTheStepsize) {
  CoordinatorHarness h(
      with(std::make_unique<ApplyOnArrival>(),
           std::make_unique<RescaledStepsize>(0.1, 0.5, 100, RescaledTiming::kCompute)));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA, wire::UpdateKind::Gradient, 8, 1'000'000);
  h.contribute("b", kB, wire::UpdateKind::Gradient, 8, 3'000'000);
  // gamma_a = 0.1 (alone), gamma_b = 0.1 * 3 / 1.5 = 0.2.
  expect_params(h, moved(h.initial(), {{0.1, kA}, {0.2, kB}}));
}

// By default tau_i is the cycle time: a and b compute equally fast (1 s) but
// b's updates land every 4 s (a slow link), a's every 2 s; b's gradients are
// half as frequent, so they get twice a's stepsize, whatever compute_us says.
TEST(RescaledThroughTheCoordinator, ByDefaultTheInterArrivalTimeIsTheClientsTime) {
  CoordinatorHarness h(with(std::make_unique<ApplyOnArrival>(),
                            std::make_unique<RescaledStepsize>(0.1, /*beta=*/0.0, 100)));
  h.hello("a");
  h.hello("b");
  h.contribute("a", kA, wire::UpdateKind::Gradient, 8, 1'000'000);  // no cycle yet: 0.1
  h.contribute("b", kB, wire::UpdateKind::Gradient, 8, 1'000'000);
  const auto x0 = moved(h.initial(), {{0.1, kA}, {0.1, kB}});
  expect_params(h, x0);
  h.clock().advance_us(2'000'000);
  h.contribute("a", kA, wire::UpdateKind::Gradient, 8, 1'000'000);  // tau_a = 2, alone: 0.1
  h.clock().advance_us(2'000'000);
  // tau_b = 4: tau_ref = 2 / (1/2 + 1/4) = 8/3, gamma_b = 0.1 * 4 / (8/3) = 0.15.
  h.contribute("b", kB, wire::UpdateKind::Gradient, 8, 1'000'000);
  expect_params(h, moved(x0, {{0.1, kA}, {0.15, kB}}));
}

TEST(ServerPoliciesDefaults, NullStalenessAndAggregationMeanIdentityAndApplyOnArrival) {
  ServerPolicies policies;
  policies.acceptance = std::make_unique<AcceptAll>();
  policies.stepsize = std::make_unique<ConstantStepsize>(0.5);
  CoordinatorHarness h(std::move(policies));
  EXPECT_STREQ(h.coordinator().staleness().name(), "identity");
  EXPECT_STREQ(h.coordinator().aggregation().name(), "apply-on-arrival");
}

TEST(ConfigParams, EveryFamilysSettingsReachTheClient) {
  PcAsgdSettings settings;
  settings.theta = 0.5;
  GlobalModel probe(std::vector<float>(CoordinatorHarness::kDim));
  CoordinatorHarness h(with(std::make_unique<AddUpdate>(4, 0), nullptr,
                            with_starvation_guard(std::make_unique<AcceptAll>(), 3),
                            std::make_unique<PcAsgdStaleness>(settings, probe)));
  h.hello("a");
  const auto& params = h.config_params();
  EXPECT_EQ(params.at("aggregation.max_round_skew"), 4.0);
  EXPECT_EQ(params.at("staleness.theta"), 0.5);
  EXPECT_EQ(params.at("acceptance.starvation_limit"), 3.0);
  EXPECT_EQ(params.at("stepsize.gamma"), 0.5);
}

std::string build_error(const std::string& name, std::map<std::string, double> values) {
  GlobalModel model(std::vector<float>(4, 0.0f));
  auto policy = make_aggregation_policy(
      name, PolicyParams("aggregation." + name, std::move(values)), model, 1);
  EXPECT_FALSE(policy.is_ok()) << name << " built";
  return policy.is_ok() ? std::string() : std::string(policy.status().message());
}

TEST(AggregationRegistry, BuildsEveryPolicyByNameAndNamesBadSettings) {
  GlobalModel model(std::vector<float>(4, 0.0f));
  std::string names;
  for (const auto& info : aggregation_policy_infos()) {
    auto policy = make_aggregation_policy(info.name, PolicyParams(), model, 1);
    ASSERT_TRUE(policy.is_ok()) << info.name << ": " << policy.status().message();
    EXPECT_STREQ((*policy)->name(), info.name);
    names += std::string(info.name) + " ";
  }
  EXPECT_EQ(names,
            "apply-on-arrival random-dispatch stale-sum round-buffer sync-minibatch add-update ");
  EXPECT_NE(build_error("round-buffer", {{"messages", 0}})
                .find("aggregation.round-buffer.messages = 0 is outside [1, "),
            std::string::npos);
  EXPECT_NE(build_error("round-buffer", {{"s", -1}}).find("aggregation.round-buffer.s"),
            std::string::npos);
  EXPECT_NE(build_error("round-buffer", {{"equilibrium", 2}}).find("[0, 1]"), std::string::npos);
  EXPECT_NE(build_error("add-update", {{"max_round_skew", -1}})
                .find("aggregation.add-update.max_round_skew"),
            std::string::npos);
  EXPECT_NE(build_error("add-update", {{"max_round_skew", 1.5}}).find("whole number"),
            std::string::npos);
  EXPECT_NE(build_error("stale-sum", {{"alpha", 1}}).find("unknown setting"), std::string::npos);
  EXPECT_NE(build_error("async", {}).find("unknown aggregation policy 'async'"), std::string::npos);
  // random-dispatch takes the run's seed unless given its own.
  auto seeded = make_aggregation_policy("random-dispatch", PolicyParams(), model, 42);
  ASSERT_TRUE(seeded.is_ok());
  EXPECT_EQ((*seeded)->settings(), (PolicySettings{{"seed", 42.0}}));
}

}  // namespace
}  // namespace fedgate
