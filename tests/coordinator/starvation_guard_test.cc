#include "coordinator/acceptance/starvation_guard.h"

#include <gtest/gtest.h>

#include <vector>

#include "coordinator/acceptance/drop_if_stale.h"
#include "coordinator/acceptance/norm_ratio_exact.h"

namespace fedgate {
namespace {

class StarvationGuardTest : public ::testing::Test {
 protected:
  StarvationGuardTest() : model_(std::vector<float>(3, 0.0f)) {
    for (int i = 0; i < 5; ++i) model_.apply(std::vector<float>(3, 1.0f), 0.1);  // t = 5
  }
  Verdict decide(StarvationGuard& guard, const std::string& client, uint32_t version) {
    OfferContext context;
    context.offer_version = version;
    context.current_version = model_.version();
    context.grad_norm = 1.0;
    context.active_clients = 2;
    context.model = &model_;
    context.client = &client;
    return guard.decide(context);
  }
  GlobalModel model_;
};

TEST_F(StarvationGuardTest, AcceptsTheOfferAfterLimitRejectionsWithAMishchenkoStep) {
  StarvationGuard guard(std::make_unique<DropIfStale>(/*max_staleness=*/1), /*limit=*/2);
  EXPECT_EQ(decide(guard, "slow", 0), Verdict::kReject);  // tau 5 > 1
  EXPECT_EQ(decide(guard, "slow", 0), Verdict::kReject);
  EXPECT_EQ(guard.rejections("slow"), 2u);
  EXPECT_EQ(decide(guard, "slow", 0), Verdict::kAccept);  // the third is forced
  EXPECT_EQ(guard.forced_accepts(), 1u);
  EXPECT_EQ(guard.rejections("slow"), 0u);
  // Its update gets M / max(M, tau) = 2 / 5, once.
  EXPECT_DOUBLE_EQ(guard.update_scale("slow", 5, 2), 0.4);
  EXPECT_DOUBLE_EQ(guard.update_scale("slow", 5, 2), 1.0);
  // The count starts again.
  EXPECT_EQ(decide(guard, "slow", 0), Verdict::kReject);
}

TEST_F(StarvationGuardTest, ForcedUpdateWithinTheConcurrencyKeepsItsFullStep) {
  StarvationGuard guard(std::make_unique<DropIfStale>(1), 1);
  decide(guard, "slow", 0);
  ASSERT_EQ(decide(guard, "slow", 0), Verdict::kAccept);
  // tau 3 <= M 4: factor 1 (the model moved on before the update arrived).
  EXPECT_DOUBLE_EQ(guard.update_scale("slow", 3, 4), 1.0);
}

TEST_F(StarvationGuardTest, AnAcceptResetsTheCountAndClientsAreCountedApart) {
  StarvationGuard guard(std::make_unique<DropIfStale>(1), 2);
  EXPECT_EQ(decide(guard, "a", 0), Verdict::kReject);
  EXPECT_EQ(decide(guard, "a", 5), Verdict::kAccept);  // fresh
  EXPECT_EQ(guard.rejections("a"), 0u);
  EXPECT_DOUBLE_EQ(guard.update_scale("a", 0, 2), 1.0);  // not forced: no damping
  EXPECT_EQ(decide(guard, "a", 0), Verdict::kReject);
  EXPECT_EQ(decide(guard, "b", 0), Verdict::kReject);
  EXPECT_EQ(decide(guard, "b", 0), Verdict::kReject);
  EXPECT_EQ(guard.rejections("a"), 1u);
  EXPECT_EQ(decide(guard, "b", 0), Verdict::kAccept);
  EXPECT_EQ(decide(guard, "a", 0), Verdict::kReject);
  guard.on_client_left("a");
  EXPECT_EQ(guard.rejections("a"), 0u);
}

TEST_F(StarvationGuardTest, OutsideWindowCountsAsARejection) {
  StarvationGuard guard(std::make_unique<NormRatioExact>(1.0, /*window=*/2, model_), 1);
  EXPECT_EQ(decide(guard, "mcu", 0), Verdict::kOutsideWindow);
  EXPECT_EQ(decide(guard, "mcu", 0), Verdict::kAccept);
}

TEST_F(StarvationGuardTest, DecoratorKeepsTheInnerNameAndAddsItsSetting) {
  auto guarded = with_starvation_guard(std::make_unique<DropIfStale>(3), 4);
  EXPECT_STREQ(guarded->name(), "drop-if-stale");
  EXPECT_EQ(guarded->settings(),
            (PolicySettings{{"max_staleness", 3.0}, {"starvation_limit", 4.0}}));
  auto plain = with_starvation_guard(std::make_unique<DropIfStale>(3), 0);
  EXPECT_EQ(dynamic_cast<StarvationGuard*>(plain.get()), nullptr);
  EXPECT_EQ(plain->settings(), (PolicySettings{{"max_staleness", 3.0}}));
}

}  // namespace
}  // namespace fedgate
