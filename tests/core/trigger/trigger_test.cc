#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/trigger/aet_schedule.h"
#include "core/trigger/detsgrad_trigger.h"
#include "core/trigger/every_step.h"
#include "core/trigger/fixed_budget.h"
#include "core/trigger/lag_trigger.h"
#include "core/trigger/offer_first.h"

namespace fedgate {
namespace {

// g(x) = x + offset_k: the gradient of ||x||^2 / 2 plus a per-minibatch
// offset; recompute() reuses the last minibatch's offset, as a real source does.
class ScriptedSource : public GradientSource {
 public:
  uint32_t num_features() const override { return 1; }
  uint32_t num_classes() const override { return 1; }
  Status configure(const TrainingSetup&) override { return Status::ok(); }
  Result<GradientStats> compute(Span<const float> params, Span<float> grad) override {
    ++computes;
    offset = offsets.empty() ? 0.0f : offsets[(computes - 1) % offsets.size()];
    return fill(params, grad);
  }
  bool can_recompute() const override { return recomputes_batch; }
  Result<GradientStats> recompute(Span<const float> params, Span<float> grad) override {
    if (!recomputes_batch) return GradientSource::recompute(params, grad);
    ++recomputes;
    return fill(params, grad);
  }
  Result<GradientStats> fill(Span<const float> params, Span<float> grad) {
    for (size_t i = 0; i < grad.size(); ++i) grad[i] = (constant ? 0.0f : params[i]) + offset;
    GradientStats stats;
    stats.samples = 4;
    stats.compute_us = 10;
    stats.loss = static_cast<float>(computes);
    return stats;
  }
  std::vector<float> offsets;
  float offset = 0;
  bool constant = false;  // gradient = offset, independent of x
  bool recomputes_batch = true;
  int computes = 0;
  int recomputes = 0;
};

TEST(OfferFirst, OffersOneGradient) {
  ScriptedSource source;
  OfferFirst trigger;
  std::vector<float> model = {1, 2}, out(2);
  auto result = trigger.on_model(3, model, out, source);
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->action, TriggerAction::kOffer);
  EXPECT_EQ(result->kind, wire::UpdateKind::Gradient);
  EXPECT_EQ(out, (std::vector<float>{1, 2}));
}

TEST(EveryStep, SendsOneGradientWithoutOffer) {
  ScriptedSource source;
  EveryStep trigger;
  std::vector<float> model = {1, 2}, out(2);
  auto result = trigger.on_model(3, model, out, source);
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->action, TriggerAction::kSend);
  EXPECT_EQ(result->steps, 1u);
  EXPECT_EQ(source.computes, 1);
}

// Runs one LAG round at model x (dim 1) and reports the decision.
TriggerAction lag_round(LagTrigger& lag, ScriptedSource& source, float x) {
  std::vector<float> model = {x}, out(1);
  auto result = lag.on_model(0, model, out, source);
  EXPECT_TRUE(result.is_ok());
  if (result->action == TriggerAction::kSend) lag.on_sent(model, out);
  return result->action;
}

TEST(Lag, ThresholdIsRecentMovementOverCLrMSquared) {
  LagParams params;
  params.max_skips = 3;  // D: the last D - 1 = 2 movements count
  params.c = 2;
  params.lr = 0.5;
  params.workers = 2;  // divisor c * lr * M^2 = 4
  std::vector<float> state(LagTrigger::state_floats(1));
  LagTrigger lag(params, 1, state);
  ScriptedSource source;
  for (float x : {0.0f, 1.0f, 3.0f, 6.0f}) lag_round(lag, source, x);
  // Movements 1, 4, 9: the last two, (4 + 9) / 4.
  EXPECT_DOUBLE_EQ(lag.threshold(), 13.0 / 4.0);
}

TEST(Lag, SkipsSmallChangesAndIsForcedToSendAfterDSkips) {
  LagParams params;
  params.max_skips = 2;  // D = 2: warm-up of 2 rounds, at most 2 skips in a row
  params.c = 1;
  params.lr = 1;
  params.workers = 1;  // threshold = the last movement squared
  std::vector<float> state(LagTrigger::state_floats(1));
  LagTrigger lag(params, 1, state);
  ScriptedSource source;
  source.offsets = {0.5f, -0.25f, 1.0f};  // minibatch noise cancels in g_new - g_old
  EXPECT_EQ(lag_round(lag, source, 0.0f), TriggerAction::kSend);  // warm-up
  EXPECT_EQ(lag_round(lag, source, 1.0f), TriggerAction::kSend);  // warm-up; x_hat = 1
  // Movement 0.25, change (1.5 - 1)^2 = 0.25: not above the threshold -> skip.
  EXPECT_EQ(lag_round(lag, source, 1.5f), TriggerAction::kSkip);
  EXPECT_DOUBLE_EQ(lag.last_change(), 0.25);
  // Movement 1, change (2.5 - 1)^2 = 2.25 > 1 -> send; x_hat = 2.5.
  EXPECT_EQ(lag_round(lag, source, 2.5f), TriggerAction::kSend);
  EXPECT_DOUBLE_EQ(lag.last_change(), 2.25);
  // The model stands still: no change, skip, skip, then forced.
  EXPECT_EQ(lag_round(lag, source, 2.5f), TriggerAction::kSkip);
  EXPECT_EQ(lag_round(lag, source, 2.5f), TriggerAction::kSkip);
  EXPECT_EQ(lag.skips_in_a_row(), 2u);
  EXPECT_EQ(lag_round(lag, source, 2.5f), TriggerAction::kSend);
  EXPECT_EQ(lag.skips_in_a_row(), 0u);
  EXPECT_EQ(source.recomputes, 4);  // only outside warm-up and forced sends
}

TEST(Lag, WithoutRecomputeComparesWithTheLastUploadedGradient) {
  LagParams params;
  params.max_skips = 1;
  params.c = 1;
  params.lr = 1;
  params.workers = 1;
  std::vector<float> state(LagTrigger::state_floats(1));
  LagTrigger lag(params, 1, state);
  ScriptedSource source;
  source.recomputes_batch = false;
  source.constant = true;
  source.offsets = {2.0f, 2.0f, 2.5f};
  EXPECT_EQ(lag_round(lag, source, 0.0f), TriggerAction::kSend);  // uploads g = 2
  // Threshold 0 (D - 1 = 0 movements); change (2 - 2)^2 = 0 -> skip.
  EXPECT_EQ(lag_round(lag, source, 0.0f), TriggerAction::kSkip);
  // Forced after D = 1 skip regardless of the change.
  EXPECT_EQ(lag_round(lag, source, 0.0f), TriggerAction::kSend);
  EXPECT_DOUBLE_EQ(lag.last_change(), 0.0);
}

TEST(AetSchedule, LinearlyIncreasingStepsAndDiminishingStepsize) {
  AetScheduleParams params;
  params.a = 2;
  params.b = 0.5;
  params.eta0 = 0.1;
  params.decay = 1;
  std::vector<float> state(AetSchedule::state_floats(2));
  AetSchedule aet(params, 2, state);
  EXPECT_EQ(aet.steps_in_round(1), 3u);  // ceil(2.5)
  EXPECT_EQ(aet.steps_in_round(2), 5u);  // ceil(4.5)
  EXPECT_EQ(aet.steps_in_round(10), 21u);
  EXPECT_DOUBLE_EQ(aet.stepsize(0), 0.1);
  EXPECT_DOUBLE_EQ(aet.stepsize(4), 0.1 / 3);  // eta0 / (1 + 1 * sqrt(4))

  ScriptedSource source;
  source.constant = true;
  source.offsets = {1.0f};  // g = 1 everywhere
  std::vector<float> model = {0, 0}, out(2);
  auto r1 = aet.on_model(0, model, out, source);
  ASSERT_TRUE(r1.is_ok());
  EXPECT_EQ(r1->action, TriggerAction::kSend);
  EXPECT_EQ(r1->kind, wire::UpdateKind::LocalUpdate);
  EXPECT_EQ(r1->round, 1u);
  EXPECT_EQ(r1->steps, 3u);
  EXPECT_EQ(r1->stats.samples, 12u);
  EXPECT_NEAR(out[0], -0.3f, 1e-6);  // U = -3 * 0.1 * 1 = x_end - x_start
  EXPECT_NEAR(model[0], -0.3f, 1e-6);

  model = {5, 5};  // a new global model: U starts from zero again
  auto r2 = aet.on_model(1, model, out, source);
  ASSERT_TRUE(r2.is_ok());
  EXPECT_EQ(r2->round, 2u);
  EXPECT_EQ(r2->steps, 5u);
  const double eta2 = 0.1 / (1 + std::sqrt(3.0));  // t_2 = s_1 = 3
  EXPECT_NEAR(out[1], -5 * eta2, 1e-6);
  EXPECT_NEAR(model[1], 5 - 5 * eta2, 1e-5);
  EXPECT_EQ(source.computes, 8);
}

TEST(AetSchedule, StepsAreCappedAndAtLeastOne) {
  AetScheduleParams params;
  params.a = 0;
  params.b = 0;
  params.max_steps = 7;
  std::vector<float> state(1);
  AetSchedule none(params, 1, state);
  EXPECT_EQ(none.steps_in_round(5), 1u);
  params.a = 10;
  AetSchedule capped(params, 1, state);
  EXPECT_EQ(capped.steps_in_round(3), 7u);
}

TEST(Detsgrad, SendsWhenL1DriftReachesAlphaTimesV0) {
  DetsgradParams params;
  params.alpha0 = 0.1;
  params.decay = 0;
  params.v0 = 5;  // threshold alpha * v0 = 0.5
  std::vector<float> state(DetsgradTrigger::state_floats(2));
  DetsgradTrigger detsgrad(params, 2, state);
  ScriptedSource source;
  source.constant = true;
  source.offsets = {1.0f};
  std::vector<float> model = {1, 1}, out(2);
  auto result = detsgrad.on_model(0, model, out, source);
  ASSERT_TRUE(result.is_ok());
  // Each step moves both coordinates by 0.1: drift 0.2, 0.4, 0.6 >= 0.5 after 3.
  EXPECT_EQ(result->steps, 3u);
  EXPECT_EQ(result->kind, wire::UpdateKind::LocalUpdate);
  EXPECT_NEAR(out[0], -0.3f, 1e-6);
  EXPECT_NEAR(model[0], 0.7f, 1e-6);
}

TEST(Detsgrad, StepsizeDecaysAndV0DefaultsFromDimension) {
  DetsgradParams params;
  params.alpha0 = 0.1;
  params.decay = 1e-5;
  params.workers = 5;
  std::vector<float> state(DetsgradTrigger::state_floats(100));
  DetsgradTrigger detsgrad(params, 100, state);
  EXPECT_DOUBLE_EQ(detsgrad.v0(), 4.0);            // 0.2 * 100 / 5
  EXPECT_DOUBLE_EQ(detsgrad.alpha(100000), 0.05);  // 0.1 / (1 + 1e-5 * 1e5)
}

TEST(Detsgrad, MaxStepsBoundsARoundThatNeverTriggers) {
  DetsgradParams params;
  params.v0 = 1;
  params.max_steps = 4;
  std::vector<float> state(DetsgradTrigger::state_floats(1));
  DetsgradTrigger detsgrad(params, 1, state);
  ScriptedSource source;
  source.constant = true;  // offset 0: zero gradient, no drift
  std::vector<float> model = {1}, out(1);
  auto result = detsgrad.on_model(0, model, out, source);
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->steps, 4u);
  EXPECT_EQ(out[0], 0.0f);
}

TEST(FixedBudget, SumsBGradientsAtOnePointAndAsksForMSends) {
  FixedBudgetParams params;
  params.batches = 3;
  params.sends = 2;
  std::vector<float> state(FixedBudget::state_floats(2));
  FixedBudget budget(params, 2, state);
  ScriptedSource source;
  source.constant = true;
  source.offsets = {1.0f, 2.0f, 3.0f};
  std::vector<float> model = {7, 7}, out(2);
  auto result = budget.on_model(0, model, out, source);
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(out, (std::vector<float>{6, 6}));    // a sum, not a mean
  EXPECT_EQ(model, (std::vector<float>{7, 7}));  // all at the same point
  EXPECT_EQ(result->kind, wire::UpdateKind::SummedGradient);
  EXPECT_EQ(result->steps, 3u);
  EXPECT_EQ(result->sends, 2u);
  EXPECT_EQ(result->stats.samples, 12u);
  EXPECT_FLOAT_EQ(result->stats.loss, 2.0f);  // mean of 1, 2, 3
}

}  // namespace
}  // namespace fedgate
