#include "coordinator/coordinator_config.h"
#include "coordinator/policy_combinations.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace fedgate {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "fedgate_config_test_" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(CoordinatorConfig, DefaultsWithoutAFile) {
  auto config = load_coordinator_config("", {});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  EXPECT_EQ(config->bind, "tcp://*:5555");
  EXPECT_EQ(config->acceptance, "norm-ratio-simplified");
  EXPECT_EQ(config->stepsize, "constant");
  EXPECT_EQ(config->settings.model.kind, ModelKind::kSoftmax);
  EXPECT_NE(config->test_images.find("t10k-images"), std::string::npos);
}

TEST(CoordinatorConfig, ReadsEverySection) {
  const std::string path = write_file("full.toml", R"(
[server]
bind = "tcp://127.0.0.1:6000"
heartbeat_ms = 250
[model]
kind = "mlp"
hidden_units = 32
seed = 7
[data]
test_csv = "test.csv"
csv_label_column = -1
[training]
batch_size = 64
chunk_floats = 2048
norm_tolerance = 0.01
[acceptance]
policy = "norm-ratio-exact"
[acceptance.norm-ratio-exact]
lambda = 3.5
window = 16
[acceptance.norm-ratio-simplified]
lambda = 99
[stepsize]
policy = "constant"
[stepsize.constant]
gamma = 0.2
[run]
eval_every = 10
target_accuracy = 0.8
max_versions = 500
max_seconds = 60
min_clients = 4
metrics = "m.jsonl"
)");
  auto config = load_coordinator_config(path, {});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  const CoordinatorConfig& c = *config;
  EXPECT_EQ(c.bind, "tcp://127.0.0.1:6000");
  EXPECT_EQ(c.settings.heartbeat_ms, 250u);
  EXPECT_EQ(c.settings.model.kind, ModelKind::kMlp);
  EXPECT_EQ(c.settings.model.hidden_units, 32u);
  EXPECT_EQ(c.seed, 7u);
  EXPECT_EQ(c.test_csv, "test.csv");
  EXPECT_EQ(c.csv_label_column, -1);
  EXPECT_EQ(c.settings.batch_size, 64u);
  EXPECT_EQ(c.settings.chunk_floats, 2048u);
  EXPECT_DOUBLE_EQ(c.settings.norm_tolerance, 0.01);
  EXPECT_EQ(c.acceptance, "norm-ratio-exact");
  EXPECT_EQ(c.acceptance_params.section(), "acceptance.norm-ratio-exact");
  EXPECT_DOUBLE_EQ(c.acceptance_params.values().at("lambda"), 3.5);
  EXPECT_DOUBLE_EQ(c.stepsize_params.values().at("gamma"), 0.2);
  EXPECT_EQ(c.settings.eval_every, 10u);
  EXPECT_DOUBLE_EQ(c.settings.target_accuracy, 0.8);
  EXPECT_EQ(c.settings.max_versions, 500u);
  EXPECT_DOUBLE_EQ(c.settings.max_seconds, 60.0);
  EXPECT_EQ(c.settings.min_clients, 4u);
  EXPECT_EQ(c.metrics_path, "m.jsonl");
}

TEST(CoordinatorConfig, OverridesWinAndBareWordsAreStrings) {
  const std::string path = write_file("base.toml", "[run]\nmax_versions = 10\n");
  auto config = load_coordinator_config(
      path, {"run.max_versions=20", "acceptance.policy=accept-all", "stepsize.constant.gamma=0.3",
             "server.bind=\"tcp://127.0.0.1:*\""});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  EXPECT_EQ(config->settings.max_versions, 20u);
  EXPECT_EQ(config->acceptance, "accept-all");
  EXPECT_DOUBLE_EQ(config->stepsize_params.values().at("gamma"), 0.3);
  EXPECT_EQ(config->bind, "tcp://127.0.0.1:*");
}

TEST(CoordinatorConfig, UnknownKeysAndSectionsAreNamed) {
  auto key = load_coordinator_config("", {"run.max_version=3"});
  ASSERT_FALSE(key.is_ok());
  EXPECT_NE(std::string(key.status().message()).find("run.max_version"), std::string::npos);
  auto section = load_coordinator_config("", {"tranining.batch_size=3"});
  ASSERT_FALSE(section.is_ok());
  EXPECT_NE(std::string(section.status().message()).find("tranining"), std::string::npos);
}

TEST(CoordinatorConfig, OutOfRangeAndWrongTypesAreNamed) {
  auto batch = load_coordinator_config("", {"training.batch_size=0"});
  ASSERT_FALSE(batch.is_ok());
  EXPECT_NE(std::string(batch.status().message()).find("training.batch_size"), std::string::npos);
  auto fraction = load_coordinator_config("", {"run.target_accuracy=1.5"});
  ASSERT_FALSE(fraction.is_ok());
  auto whole = load_coordinator_config("", {"run.max_versions=2.5"});
  ASSERT_FALSE(whole.is_ok());
  EXPECT_NE(std::string(whole.status().message()).find("whole number"), std::string::npos);
  auto kind = load_coordinator_config("", {"model.kind=resnet"});
  ASSERT_FALSE(kind.is_ok());
  EXPECT_NE(std::string(kind.status().message()).find("softmax"), std::string::npos);
  auto text = load_coordinator_config("", {"stepsize.constant.gamma=fast"});
  ASSERT_FALSE(text.is_ok());
  EXPECT_NE(std::string(text.status().message()).find("stepsize.constant.gamma"),
            std::string::npos);
}

// One half of the IDX pair alone would be paired with the Fashion-MNIST default.
TEST(CoordinatorConfig, HalfAnIdxPairIsAnErrorNamingTheMissingHalf) {
  auto images = load_coordinator_config("", {"data.test_images=\"/data/mnist/t10k-images.gz\""});
  ASSERT_FALSE(images.is_ok());
  EXPECT_STREQ(images.status().message(),
               "data.test_images is set but data.test_labels is not: set both files of the IDX "
               "pair");
  auto labels = load_coordinator_config("", {"data.test_labels=\"/data/mnist/t10k-labels.gz\""});
  ASSERT_FALSE(labels.is_ok());
  EXPECT_NE(std::string(labels.status().message()).find("data.test_images is not"),
            std::string::npos);
  auto both =
      load_coordinator_config("", {"data.test_images=\"/m/i.gz\"", "data.test_labels=\"/m/l.gz\""});
  EXPECT_TRUE(both.is_ok()) << both.status().message();
}

TEST(CoordinatorConfig, LogLevelIsCheckedAndRendered) {
  auto debug = load_coordinator_config("", {"run.log_level=debug"});
  ASSERT_TRUE(debug.is_ok()) << debug.status().message();
  EXPECT_EQ(debug->log_level, "debug");
  EXPECT_NE(render_coordinator_config(*debug).find("log_level = \"debug\""), std::string::npos);
  auto loud = load_coordinator_config("", {"run.log_level=loud"});
  ASSERT_FALSE(loud.is_ok());
  EXPECT_STREQ(
      loud.status().message(),
      "run.log_level = 'loud': allowed are trace, debug, info, warn, error, critical, off");
}

TEST(CoordinatorConfig, SyntaxErrorsGiveLineNumbers) {
  const std::string path = write_file("broken.toml", "[run]\nmax_versions = = 3\n");
  auto config = load_coordinator_config(path, {});
  ASSERT_FALSE(config.is_ok());
  EXPECT_NE(std::string(config.status().message()).find(":2:"), std::string::npos)
      << config.status().message();
}

TEST(CoordinatorConfig, MalformedOverrideIsNamed) {
  auto config = load_coordinator_config("", {"batch_size"});
  ASSERT_FALSE(config.is_ok());
  EXPECT_NE(std::string(config.status().message()).find("section.key=value"), std::string::npos);
}

TEST(CoordinatorConfig, RunDirectoryAndWarmStartLoadBack) {
  auto config = load_coordinator_config("", {"run.dir=out/run", "model.init=\"m.safetensors\""});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  EXPECT_EQ(config->run_dir, "out/run");
  EXPECT_EQ(config->model_init, "m.safetensors");
  const std::string path = write_file("run_dir.toml", render_coordinator_config(*config));
  auto again = load_coordinator_config(path, {});
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(again->run_dir, "out/run");
  EXPECT_EQ(again->model_init, "m.safetensors");
}

TEST(CoordinatorConfig, RenderedConfigLoadsBackTheSame) {
  auto config = load_coordinator_config(
      "", {"acceptance.norm-ratio-simplified.lambda=4", "run.max_versions=77"});
  ASSERT_TRUE(config.is_ok());
  const std::string path = write_file("rendered.toml", render_coordinator_config(*config));
  auto again = load_coordinator_config(path, {});
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(again->settings.max_versions, 77u);
  EXPECT_DOUBLE_EQ(again->acceptance_params.values().at("lambda"), 4.0);
  EXPECT_EQ(render_coordinator_config(*again), render_coordinator_config(*config));
}

TEST(CoordinatorConfig, ClientPoliciesDefaultToOfferFirstDense) {
  auto config = load_coordinator_config("", {});
  ASSERT_TRUE(config.is_ok());
  EXPECT_EQ(config->settings.client_policies.trigger, "offer-first");
  EXPECT_EQ(config->settings.client_policies.compression, "dense");
  EXPECT_TRUE(config->settings.client_policies.trigger_params.empty());
}

TEST(CoordinatorConfig, ReadsTriggerAndCompressionSections) {
  const std::string path = write_file("client_policies.toml", R"(
[trigger]
policy = "lag"

[trigger.lag]
max_skips = 5
c = 2.0

[trigger.aet-schedule]
a = 3.0

[compression]
policy = "topk"

[compression.topk]
fraction = 0.05
)");
  auto config = load_coordinator_config(path, {"compression.topk.error_feedback=0"});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  const ClientPolicySettings& client = config->settings.client_policies;
  EXPECT_EQ(client.trigger, "lag");
  // Only the chosen policy's table is read.
  EXPECT_EQ(client.trigger_params, (std::map<std::string, double>{{"c", 2.0}, {"max_skips", 5}}));
  EXPECT_EQ(client.compression, "topk");
  EXPECT_EQ(client.compression_params,
            (std::map<std::string, double>{{"error_feedback", 0}, {"fraction", 0.05}}));
  // Rendered and loaded back, the same.
  const std::string rendered =
      write_file("client_rendered.toml", render_coordinator_config(*config));
  auto again = load_coordinator_config(rendered, {});
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(again->settings.client_policies.trigger_params, client.trigger_params);
  EXPECT_EQ(again->settings.client_policies.compression_params, client.compression_params);
}

TEST(CoordinatorConfig, ClientPolicyErrorsNameTheSettingAndRange) {
  ModelSpec softmax;
  softmax.kind = ModelKind::kSoftmax;
  softmax.num_features = 784;
  softmax.num_classes = 10;
  auto check = [&](std::vector<std::string> overrides) {
    auto config = load_coordinator_config("", overrides);
    EXPECT_TRUE(config.is_ok()) << config.status().message();
    auto needs = check_client_policy_settings(config->settings.client_policies, softmax, 7850, 32);
    return needs.is_ok() ? std::string("ok") : std::string(needs.status().message());
  };
  EXPECT_EQ(check({"trigger.policy=lag", "compression.policy=topk"}), "ok");
  EXPECT_EQ(check({"trigger.policy=often"}),
            "unknown trigger policy 'often' (known: offer-first, every-step, lag, aet-schedule, "
            "detsgrad, fixed-budget)");
  EXPECT_EQ(check({"compression.policy=randk", "compression.randk.k=10000"}),
            "[compression.randk] k = 10000 exceeds the model dimension d = 7850");
  EXPECT_EQ(check({"compression.policy=topk", "compression.topk.fraction=0"}),
            "[compression.topk] fraction = 0 is outside (0, 1]");
  EXPECT_EQ(check({"trigger.policy=aet-schedule", "trigger.aet-schedule.eta0=-0.1"}),
            "[trigger.aet-schedule] eta0 = -0.1 is outside (0, 1000]");
  EXPECT_EQ(check({"trigger.policy=lag", "trigger.lag.D=3"}), "[trigger.lag] has no setting 'D'");
  // A key directly in [trigger] other than policy is a config error already.
  auto stray = load_coordinator_config("", {"trigger.max_skips=3"});
  ASSERT_FALSE(stray.is_ok());
  EXPECT_NE(std::string(stray.status().message()).find("trigger.max_skips"), std::string::npos);
}

TEST(CoordinatorConfig, ClientPoliciesMustSuitTheAggregation) {
  ClientPolicySettings settings;
  EXPECT_TRUE(check_client_policies_for_aggregation(settings, "apply-on-arrival").is_ok());
  settings.trigger = "aet-schedule";
  Status local = check_client_policies_for_aggregation(settings, "apply-on-arrival");
  EXPECT_STREQ(local.message(),
               "trigger aet-schedule sends LocalUpdates: needs aggregation add-update, not "
               "apply-on-arrival");
  EXPECT_TRUE(check_client_policies_for_aggregation(settings, "add-update").is_ok());
  settings.trigger = "fixed-budget";
  EXPECT_TRUE(check_client_policies_for_aggregation(settings, "apply-on-arrival").is_ok());
  settings.trigger_params["sends"] = 3;
  EXPECT_STREQ(check_client_policies_for_aggregation(settings, "apply-on-arrival").message(),
               "[trigger.fixed-budget] sends = 3 needs aggregation round-buffer, not "
               "apply-on-arrival");
  EXPECT_TRUE(check_client_policies_for_aggregation(settings, "round-buffer").is_ok());
}

TEST(CoordinatorConfig, NewFamiliesDefaultToTodaysBehaviour) {
  auto config = load_coordinator_config("", {});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  EXPECT_EQ(config->staleness, "identity");
  EXPECT_EQ(config->aggregation, "apply-on-arrival");
  // The default acceptance is a norm rule, and under a norm rule the starvation
  // guard is on by default (R = 3): without it slow clients never contribute.
  EXPECT_EQ(config->acceptance, "norm-ratio-simplified");
  EXPECT_EQ(config->starvation_limit, 3u);
}

TEST(CoordinatorConfig, TheStarvationGuardIsOffByDefaultWithoutANormRuleAndCanBeTurnedOff) {
  auto accept_all = load_coordinator_config("", {"acceptance.policy=\"accept-all\""});
  ASSERT_TRUE(accept_all.is_ok()) << accept_all.status().message();
  EXPECT_EQ(accept_all->starvation_limit, 0u);
  auto exact = load_coordinator_config("", {"acceptance.policy=\"norm-ratio-exact\""});
  ASSERT_TRUE(exact.is_ok()) << exact.status().message();
  EXPECT_EQ(exact->starvation_limit, 3u);
  auto off = load_coordinator_config("", {"acceptance.starvation_limit=0"});
  ASSERT_TRUE(off.is_ok()) << off.status().message();
  EXPECT_EQ(off->starvation_limit, 0u);
}

TEST(CoordinatorConfig, ReadsStalenessAggregationAndTheStarvationLimit) {
  const std::string path = write_file("families.toml", R"(
[acceptance]
policy = "norm-ratio-exact"
starvation_limit = 3
[staleness]
policy = "pc-asgd"
[staleness.pc-asgd]
theta = 0.5
lambda = 0.01
[aggregation]
policy = "random-dispatch"
[aggregation.random-dispatch]
seed = 11
)");
  auto config = load_coordinator_config(path, {});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  EXPECT_EQ(config->starvation_limit, 3u);
  EXPECT_EQ(config->staleness, "pc-asgd");
  EXPECT_EQ(config->staleness_params.section(), "staleness.pc-asgd");
  EXPECT_DOUBLE_EQ(config->staleness_params.values().at("theta"), 0.5);
  EXPECT_EQ(config->aggregation, "random-dispatch");
  EXPECT_DOUBLE_EQ(config->aggregation_params.values().at("seed"), 11.0);
  // And it renders and loads back the same.
  const std::string again_path =
      write_file("families_rendered.toml", render_coordinator_config(*config));
  auto again = load_coordinator_config(again_path, {});
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(render_coordinator_config(*again), render_coordinator_config(*config));
}

std::string config_error(const std::vector<std::string>& overrides) {
  auto config = load_coordinator_config("", overrides);
  EXPECT_FALSE(config.is_ok());
  return config.is_ok() ? std::string() : std::string(config.status().message());
}

TEST(CoordinatorConfig, ContradictoryCombinationsNameBothSettings) {
  EXPECT_EQ(config_error({"aggregation.policy=stale-sum"}),
            "aggregation.policy = stale-sum needs trigger.policy = lag or every-step, not "
            "offer-first");
  EXPECT_EQ(config_error({"stepsize.policy=shadowheart"}),
            "stepsize.policy = shadowheart needs aggregation.policy = round-buffer, not "
            "apply-on-arrival");
  EXPECT_EQ(config_error({"aggregation.policy=apply-on-arrival", "staleness.policy=pc-asgd",
                          "aggregation.policy=sync-minibatch"}),
            "staleness.policy = pc-asgd needs aggregation.policy = apply-on-arrival or "
            "random-dispatch, not sync-minibatch");
  // The gateway's Status holds the whole list now (core/base/status.h).
  EXPECT_EQ(config_error({"aggregation.policy=magic"}),
            "unknown aggregation policy 'magic' (known: apply-on-arrival, random-dispatch, "
            "stale-sum, round-buffer, sync-minibatch, add-update)");
  EXPECT_EQ(config_error({"staleness.policy=magic"}),
            "unknown staleness policy 'magic' (known: identity, pc-asgd)");
  EXPECT_NE(config_error({"aggregation.policy=sync-minibatch", "staleness.policy=pc-asgd"})
                .find("staleness.policy = pc-asgd"),
            std::string::npos);
  EXPECT_NE(config_error({"acceptance.starvation_limit=-1"}).find("acceptance.starvation_limit"),
            std::string::npos);
  EXPECT_NE(config_error({"staleness.pc-asgd=3"}).find("unknown config key staleness.pc-asgd"),
            std::string::npos);
}

TEST(PolicyCombination, FittingTriggersPass) {
  PolicyChoice sasg;
  sasg.aggregation = "stale-sum";
  sasg.trigger = "lag";
  EXPECT_TRUE(check_policy_combination(sasg).is_ok());
  PolicyChoice shadowheart;
  shadowheart.aggregation = "round-buffer";
  shadowheart.stepsize = "shadowheart";
  shadowheart.trigger = "fixed-budget";
  EXPECT_TRUE(check_policy_combination(shadowheart).is_ok());
  shadowheart.trigger = "offer-first";
  EXPECT_FALSE(check_policy_combination(shadowheart).is_ok());
  PolicyChoice aet;
  aet.aggregation = "add-update";
  aet.trigger = "aet-schedule";
  EXPECT_TRUE(check_policy_combination(aet).is_ok());
  aet.trigger = "detsgrad";  // the baseline AET-SGD compares against sends local updates too
  EXPECT_TRUE(check_policy_combination(aet).is_ok());
  aet.trigger = "lag";
  EXPECT_FALSE(check_policy_combination(aet).is_ok());
  PolicyChoice budget_without_rounds;
  budget_without_rounds.trigger = "fixed-budget";
  EXPECT_NE(std::string(check_policy_combination(budget_without_rounds).message())
                .find("trigger.policy = fixed-budget"),
            std::string::npos);
  PolicyChoice pc;
  pc.staleness = "pc-asgd";
  pc.aggregation = "random-dispatch";
  EXPECT_TRUE(check_policy_combination(pc).is_ok());
  EXPECT_TRUE(check_policy_combination(PolicyChoice{}).is_ok());
}

}  // namespace
}  // namespace fedgate
