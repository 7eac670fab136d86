#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "coordinator/policy_registry.h"
#include "coordinator/staleness/identity_staleness.h"
#include "coordinator/staleness/pc_asgd_staleness.h"

namespace fedgate {
namespace {

class PcAsgdTest : public ::testing::Test {
 protected:
  PcAsgdTest() : model_(std::vector<float>{0.0f, 0.0f}) {}

  std::unique_ptr<PcAsgdStaleness> make(PcAsgdSettings settings) {
    return std::make_unique<PcAsgdStaleness>(settings, model_);
  }
  // x <- x - step (gamma 1), and the policy records the version.
  void advance(StalenessPolicy& policy, std::vector<float> step) {
    model_.apply(step, 1.0);
    policy.on_committed(model_);
  }
  Corrected transform(StalenessPolicy& policy, uint32_t version, const std::vector<float>& g) {
    gradient_ = g;
    StalenessContext context;
    context.version = version;
    context.current_version = model_.version();
    context.model = &model_;
    return policy.transform(context, gradient_);
  }
  static std::vector<float> values(const Corrected& c) {
    return std::vector<float>(c.gradient.begin(), c.gradient.end());
  }

  GlobalModel model_;
  std::vector<float> gradient_;
};

TEST_F(PcAsgdTest, PredictsWithTheDiagonalTaylorTerm) {
  PcAsgdSettings settings;
  settings.lambda = 0.5;
  settings.adaptive = false;
  auto policy = make(settings);
  advance(*policy, {1.0f, -2.0f});  // x_1 = (-1, 2), x_0 = (0, 0)
  // g^ = g + lambda g.g.(x_1 - x_0) = (2 + 0.5*4*(-1), 1 + 0.5*1*2) = (0, 2).
  const Corrected c = transform(*policy, 0, {2.0f, 1.0f});
  EXPECT_EQ(values(c), (std::vector<float>{0.0f, 2.0f}));
  EXPECT_EQ(c.theta, 1.0);
  EXPECT_EQ(policy->predicted(), 1u);
}

TEST_F(PcAsgdTest, ThetaMixesPredictionAndClipping) {
  PcAsgdSettings settings;
  settings.lambda = 0.5;
  settings.theta = 0.25;
  settings.adaptive = false;
  auto policy = make(settings);
  advance(*policy, {1.0f, -2.0f});
  const Corrected c = transform(*policy, 0, {2.0f, 1.0f});
  EXPECT_EQ(c.theta, 0.25);  // x <- x - gamma * 0.25 * g^
  EXPECT_EQ(values(c), (std::vector<float>{0.0f, 2.0f}));
}

TEST_F(PcAsgdTest, FreshGradientsPassUnchanged) {
  auto policy = make(PcAsgdSettings{});
  advance(*policy, {1.0f, 1.0f});
  const Corrected c = transform(*policy, 1, {3.0f, -4.0f});
  EXPECT_EQ(c.gradient.data(), gradient_.data());
  EXPECT_EQ(c.theta, 1.0);
}

TEST_F(PcAsgdTest, PracticalVariantDropsPredictionsAgainstTheRecentDirection) {
  PcAsgdSettings settings;
  settings.lambda = 0.5;
  settings.beta = 0.5;
  auto policy = make(settings);
  transform(*policy, 0, {1.0f, 0.0f});  // fresh: r = (1, 0)
  advance(*policy, {1.0f, -2.0f});
  // g = (3, 0): g^ = (3 - 0.5*9, 0) = (-1.5, 0), against r: clipped.
  EXPECT_EQ(transform(*policy, 0, {3.0f, 0.0f}).theta, 0.0);
  // g = (2, 1): g^ = (0, 2), orthogonal to r (cos = 0): clipped.
  EXPECT_EQ(transform(*policy, 0, {2.0f, 1.0f}).theta, 0.0);
  // g = (1, 1): g^ = (0.5, 2), r . g^ = 0.5 > 0: applied, and r = (0.75, 1).
  EXPECT_EQ(transform(*policy, 0, {1.0f, 1.0f}).theta, 1.0);
  EXPECT_EQ(policy->clipped(), 2u);
  // g = (-0.5, 0.5): g^ = (-0.625, 0.75), r . g^ = -0.46875 + 0.75 > 0: applied,
  // though it points against the first fresh gradient alone.
  EXPECT_EQ(transform(*policy, 0, {-0.5f, 0.5f}).theta, 1.0);
}

TEST_F(PcAsgdTest, TooStaleOrOutsideTheWindowIsClipped) {
  PcAsgdSettings settings;
  settings.window = 4;
  settings.max_staleness = 1;
  auto policy = make(settings);
  advance(*policy, {1.0f, 0.0f});
  advance(*policy, {1.0f, 0.0f});
  EXPECT_EQ(transform(*policy, 0, {1.0f, 1.0f}).theta, 0.0);  // tau 2 > 1
  settings.max_staleness = 0;                                 // window - 1 = 1 for window 2
  settings.window = 2;
  auto small = make(settings);  // stores version 2
  advance(*small, {1.0f, 0.0f});
  advance(*small, {1.0f, 0.0f});
  EXPECT_EQ(transform(*small, 2, {1.0f, 1.0f}).theta, 0.0);  // tau 2: gone from the window
  EXPECT_GT(transform(*small, 3, {1.0f, 1.0f}).theta, 0.0);  // tau 1: held
}

TEST(IdentityStaleness, PassesEverythingOn) {
  GlobalModel model(std::vector<float>(2, 0.0f));
  IdentityStaleness identity;
  const std::vector<float> g{1.0f, 2.0f};
  StalenessContext context;
  context.version = 0;
  context.current_version = 9;
  context.model = &model;
  const Corrected c = identity.transform(context, g);
  EXPECT_EQ(c.gradient.data(), g.data());
  EXPECT_EQ(c.theta, 1.0);
}

std::string error_of(const std::string& name, std::map<std::string, double> values) {
  GlobalModel model(std::vector<float>(2, 0.0f));
  auto policy =
      make_staleness_policy(name, PolicyParams("staleness." + name, std::move(values)), model);
  EXPECT_FALSE(policy.is_ok()) << name << " built";
  return policy.is_ok() ? std::string() : std::string(policy.status().message());
}

TEST(StalenessRegistry, BuildsByNameAndNamesBadSettings) {
  GlobalModel model(std::vector<float>(2, 0.0f));
  auto pc =
      make_staleness_policy("pc-asgd", PolicyParams("staleness.pc-asgd", {{"theta", 0.5}}), model);
  ASSERT_TRUE(pc.is_ok()) << pc.status().message();
  EXPECT_STREQ((*pc)->name(), "pc-asgd");
  EXPECT_EQ((*pc)->settings()[1], (std::pair<std::string, double>{"theta", 0.5}));
  EXPECT_NE(
      error_of("pc-asgd", {{"theta", 1.5}}).find("staleness.pc-asgd.theta = 1.5 is outside [0, 1]"),
      std::string::npos);
  EXPECT_NE(error_of("pc-asgd", {{"window", 0}}).find("staleness.pc-asgd.window"),
            std::string::npos);
  EXPECT_NE(error_of("pc-asgd", {{"window", 8}, {"max_staleness", 8}}).find("[0, 7]"),
            std::string::npos);
  EXPECT_NE(error_of("pc-asgd", {{"lambda", -1}}).find("staleness.pc-asgd.lambda"),
            std::string::npos);
  EXPECT_NE(error_of("identity", {{"x", 1}}).find("unknown setting"), std::string::npos);
  EXPECT_NE(error_of("dc-asgd", {}).find("known: identity, pc-asgd"), std::string::npos);
}

}  // namespace
}  // namespace fedgate
