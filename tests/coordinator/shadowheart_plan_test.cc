#include "coordinator/aggregation/shadowheart_plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace fedgate {
namespace {

TEST(ShadowheartPlan, OneWorkerSolvesTheQuadratic) {
  // h = tau = s = omega = 1: t = 2 + 4/t + 2, so t^2 - 4t - 4 = 0, t = 2 + 2 sqrt(2).
  const std::vector<WorkerTimes> one{{1.0, 1.0}};
  EXPECT_NEAR(shadowheart_fixed_point(one, 1.0, 1.0), 2 + 2 * std::sqrt(2.0), 1e-9);
  const ShadowheartPlan plan = shadowheart_plan(one, 1.0, 1.0);
  EXPECT_NEAR(plan.equilibrium_s, 4.828427, 1e-6);
  EXPECT_EQ(plan.gradients, std::vector<uint32_t>{4});
  EXPECT_EQ(plan.messages, std::vector<uint32_t>{4});
}

TEST(ShadowheartPlan, MoreEqualWorkersShortenTheRound) {
  // n equal workers: n t^2 - 4t - 4 = 0. n = 2: 1 + sqrt(3); n = 3: 2.
  const std::vector<WorkerTimes> three(3, WorkerTimes{1.0, 1.0});
  EXPECT_NEAR(shadowheart_fixed_point({three[0], three[1]}, 1.0, 1.0), 1 + std::sqrt(3.0), 1e-9);
  const ShadowheartPlan plan = shadowheart_plan(three, 1.0, 1.0);
  EXPECT_NEAR(plan.equilibrium_s, 2.0, 1e-9);
  EXPECT_EQ(plan.gradients, (std::vector<uint32_t>{2, 2, 2}));
  EXPECT_EQ(plan.messages, (std::vector<uint32_t>{2, 2, 2}));
}

TEST(ShadowheartPlan, ASlowWorkerIsLeftOut) {
  // omega = 0, s = 1, free sends: s*_1 = 2 h_1 = 2, t*_1 = max(1, 2) = 2;
  // s*_2 = 1 / (1/2 + 1/8) = 1.6, t*_2 = max(4, 1.6) = 4. t* = 2.
  const std::vector<WorkerTimes> workers{{4.0, 0.0}, {1.0, 0.0}};
  const ShadowheartPlan plan = shadowheart_plan(workers, 1.0, 0.0);
  EXPECT_NEAR(plan.equilibrium_s, 2.0, 1e-9);
  EXPECT_EQ(plan.gradients, (std::vector<uint32_t>{0, 2}));  // in the caller's order
}

TEST(ShadowheartPlan, WithoutNoiseOrCompressionTheFastestWorkerSetsTheTime) {
  // s = omega = 0: every s*_j is 0, so t* = min_j max(h_j, tau_j).
  const std::vector<WorkerTimes> workers{{3.0, 1.0}, {2.0, 2.5}, {5.0, 0.5}};
  EXPECT_DOUBLE_EQ(shadowheart_fixed_point(workers, 0.0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(shadowheart_plan(workers, 0.0, 0.0).equilibrium_s, 2.5);
}

}  // namespace
}  // namespace fedgate
