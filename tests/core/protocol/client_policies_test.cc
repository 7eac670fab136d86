#include "core/protocol/client_policies.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fedgate {
namespace {

TrainingSetup softmax_setup() {
  TrainingSetup setup;
  setup.model_kind = wire::ModelKind::Softmax;
  setup.num_features = 784;
  setup.num_classes = 10;
  setup.model_dim = 7850;
  setup.batch_size = 32;
  return setup;
}

Result<ClientPolicyNeeds> check(const char* trigger, const char* compression,
                                std::vector<NamedParam> params = {}) {
  ClientPolicySpec spec;
  spec.trigger = trigger;
  spec.compression = compression;
  spec.params = Span<const NamedParam>(params.data(), params.size());
  return check_client_policies(spec, softmax_setup());
}

std::string error_of(const Result<ClientPolicyNeeds>& result) {
  EXPECT_FALSE(result.is_ok());
  return result.is_ok() ? "" : result.status().message();
}

TEST(ClientPolicies, DefaultsAreOfferFirstDenseWithoutState) {
  auto needs = check("", "");
  ASSERT_TRUE(needs.is_ok());
  EXPECT_TRUE(needs->offers);
  EXPECT_EQ(needs->codec, wire::Codec::Dense);
  EXPECT_EQ(needs->state_floats, 0u);
  EXPECT_EQ(needs->max_payload_bytes, 7850u * 4);
}

TEST(ClientPolicies, NeedsOfEachPolicy) {
  auto lag_topk = check("lag", "topk");
  ASSERT_TRUE(lag_topk.is_ok());
  EXPECT_FALSE(lag_topk->offers);
  EXPECT_EQ(lag_topk->k, 78u + 1u);  // per tensor: floor(0.01 * 7840), max(1, floor(0.1))
  EXPECT_EQ(lag_topk->state_floats, 3u * 7850 + 79 + 2u * 7850);
  EXPECT_EQ(lag_topk->state_indices, 79u);
  EXPECT_EQ(lag_topk->max_payload_bytes, 79u * 8);
  EXPECT_LE(lag_topk->state_floats, client_policy_floats(7850));

  auto aet = check("aet-schedule", "dense");
  ASSERT_TRUE(aet.is_ok());
  EXPECT_EQ(aet->kind, wire::UpdateKind::LocalUpdate);
  auto budget = check("fixed-budget", "randk", {{"compression.k", 100}});
  ASSERT_TRUE(budget.is_ok());
  EXPECT_EQ(budget->kind, wire::UpdateKind::SummedGradient);
  EXPECT_EQ(budget->k, 100u);
  EXPECT_EQ(budget->max_payload_bytes, 400u);
  auto fraction = check("every-step", "randk", {{"compression.fraction", 0.1}});
  ASSERT_TRUE(fraction.is_ok());
  EXPECT_EQ(fraction->k, 785u);
}

TEST(ClientPolicies, UnknownNamesListTheKnownOnes) {
  EXPECT_EQ(error_of(check("sometimes", "dense")),
            "unknown trigger policy 'sometimes' (known: offer-first, every-step, lag, "
            "aet-schedule, detsgrad, fixed-budget)");
  EXPECT_EQ(error_of(check("offer-first", "zip")),
            "unknown compression policy 'zip' (known: dense, topk, randk)");
}

TEST(ClientPolicies, BadSettingsNameTheSettingAndItsRange) {
  EXPECT_EQ(error_of(check("offer-first", "topk", {{"compression.fraction", 1.5}})),
            "[compression.topk] fraction = 1.5 is outside (0, 1]");
  EXPECT_EQ(error_of(check("offer-first", "topk", {{"compression.fraction", 0}})),
            "[compression.topk] fraction = 0 is outside (0, 1]");
  EXPECT_EQ(error_of(check("offer-first", "randk", {{"compression.k", 9000}})),
            "[compression.randk] k = 9000 exceeds the model dimension d = 7850");
  EXPECT_EQ(error_of(check("offer-first", "randk",
                           {{"compression.k", 10}, {"compression.fraction", 0.1}})),
            "[compression.randk] set either k or fraction, not both");
  EXPECT_EQ(error_of(check("aet-schedule", "dense", {{"trigger.a", -1}})),
            "[trigger.aet-schedule] a = -1 is outside [0, 1e+06]");
  EXPECT_EQ(error_of(check("aet-schedule", "dense", {{"trigger.b", -2}})),
            "[trigger.aet-schedule] b = -2 is outside [0, 1e+06]");
  EXPECT_EQ(error_of(check("lag", "dense", {{"trigger.max_skips", 0}})),
            "[trigger.lag] max_skips = 0 is outside [1, 64]");
  EXPECT_EQ(error_of(check("lag", "dense", {{"trigger.max_skips", 2.5}})),
            "[trigger.lag] max_skips = 2.5 must be a whole number");
  EXPECT_EQ(error_of(check("fixed-budget", "randk", {{"trigger.batches", 0}})),
            "[trigger.fixed-budget] batches = 0 is outside [1, 1e+06]");
  EXPECT_EQ(error_of(check("lag", "dense", {{"trigger.maxskips", 3}})),
            "[trigger.lag] has no setting 'maxskips'");
  // Settings of other families are not this family's business.
  EXPECT_TRUE(check("lag", "dense", {{"acceptance.lambda", 3}}).is_ok());
}

TEST(ClientPolicies, BuildsIntoCallerMemoryAndRefusesTooLittle) {
  std::vector<float> floats(client_policy_floats(7850));
  std::vector<uint32_t> indices(client_policy_indices(7850));
  ClientPolicySpec spec;
  spec.trigger = "lag";
  spec.compression = "topk";
  ClientPolicies policies;
  ASSERT_TRUE(policies.configure(spec, softmax_setup(), floats, indices, 1).is_ok());
  EXPECT_STREQ(policies.trigger().name(), "lag");
  EXPECT_STREQ(policies.compressor().name(), "topk");
  // Rebuilding replaces the policies.
  spec.trigger = "every-step";
  spec.compression = "randk";
  ASSERT_TRUE(policies.configure(spec, softmax_setup(), floats, indices, 1).is_ok());
  EXPECT_STREQ(policies.trigger().name(), "every-step");
  EXPECT_EQ(policies.compressor().codec(), wire::Codec::RandK);

  spec.trigger = "lag";
  Status small =
      policies.configure(spec, softmax_setup(), Span<float>(floats.data(), 100), indices, 1);
  EXPECT_FALSE(small.is_ok());
  EXPECT_NE(std::string(small.message()).find("need 23628 floats"), std::string::npos)
      << small.message();
  EXPECT_FALSE(policies.ready());
}

}  // namespace
}  // namespace fedgate
