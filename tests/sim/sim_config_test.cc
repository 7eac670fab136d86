#include "sim/sim_config.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/core/data/temp_dir.h"

namespace fedgate::sim {
namespace {

std::string error_of(const std::vector<std::string>& overrides) {
  Result<SimConfig> config = load_sim_config("", overrides);
  return config.is_ok() ? std::string("(accepted)") : std::string(config.status().message());
}

// Limits against hostile peers are off in the simulator unless set (no virtual
// client is hostile, none dies); a setting in the config still holds.
TEST(SimConfig, PeerLimitsAreOffUnlessSet) {
  Result<SimConfig> plain = load_sim_config("", {});
  ASSERT_TRUE(plain.is_ok()) << plain.status().message();
  const LimitSettings& off = plain->coordinator.settings.limits;
  EXPECT_EQ(off.max_norm_ratio, 0.0);
  EXPECT_EQ(off.max_clients, 0u);
  EXPECT_EQ(off.client_timeout_heartbeats, 0u);
  Result<SimConfig> set = load_sim_config("", {"limits.max_norm_ratio=5", "limits.max_clients=7",
                                               "limits.client_timeout_heartbeats=3"});
  ASSERT_TRUE(set.is_ok()) << set.status().message();
  const LimitSettings& on = set->coordinator.settings.limits;
  EXPECT_EQ(on.max_norm_ratio, 5.0);
  EXPECT_EQ(on.max_clients, 7u);
  EXPECT_EQ(on.client_timeout_heartbeats, 3u);
}

TEST(SimConfig, ReadsSimAndCoordinatorSectionsFromOneFile) {
  TempDir dir("sim_config");
  const std::string path = dir.write("run.toml", R"(
[model]
kind = "least-squares"
[acceptance]
policy = "drop-if-stale"
[acceptance.drop-if-stale]
max_staleness = 7
[stepsize.constant]
gamma = 0.25
[run]
max_versions = 1234
[sim]
clients = 40
seed = 9
dataset = "quadratic"
partition = "full"
[sim.compute]
model = "straggler"
base_ms = 2.5
straggler_factor = 50
[sim.link]
latency_ms = 3
up_mbit_s = 10
[sim.quadratic]
rows = 300
features = 12
)");
  Result<SimConfig> loaded = load_sim_config(path, {"sim.link.down_mbit_s=100"});
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  const SimConfig& c = *loaded;
  EXPECT_EQ(c.sim.clients, 40u);
  EXPECT_EQ(c.sim.seed, 9u);
  EXPECT_EQ(c.sim.dataset, DatasetKind::kQuadratic);
  EXPECT_TRUE(c.sim.full_data);
  EXPECT_EQ(c.sim.compute.kind, ComputeKind::kStraggler);
  EXPECT_DOUBLE_EQ(c.sim.compute.base_ms, 2.5);
  EXPECT_DOUBLE_EQ(c.sim.compute.straggler_factor, 50);
  EXPECT_DOUBLE_EQ(c.sim.link.latency_ms, 3);
  EXPECT_DOUBLE_EQ(c.sim.link.up_mbit_s, 10);
  EXPECT_DOUBLE_EQ(c.sim.link.down_mbit_s, 100);
  EXPECT_EQ(c.sim.quadratic.rows, 300u);
  EXPECT_EQ(c.sim.quadratic.features, 12u);
  // The rest went through the coordinator's own loader.
  EXPECT_EQ(c.coordinator.settings.model.kind, ModelKind::kLeastSquares);
  EXPECT_EQ(c.coordinator.acceptance, "drop-if-stale");
  EXPECT_EQ(c.coordinator.acceptance_params.values().at("max_staleness"), 7);
  EXPECT_EQ(c.coordinator.stepsize_params.section(), "stepsize.constant");
  EXPECT_EQ(c.coordinator.stepsize_params.values().at("gamma"), 0.25);
  EXPECT_EQ(c.coordinator.settings.max_versions, 1234u);
}

TEST(SimConfig, DefaultsNeedNoSimSection) {
  Result<SimConfig> loaded = load_sim_config("", {});
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_EQ(loaded->sim.clients, 10u);
  EXPECT_EQ(loaded->sim.dataset, DatasetKind::kFashionMnist);
  EXPECT_FALSE(loaded->sim.train_images.empty());
  EXPECT_EQ(loaded->sim.partition.num_clients, 10u);
}

TEST(SimConfig, ZeroClientsIsRefusedWithTheRange) {
  EXPECT_EQ(error_of({"sim.clients=0"}), "sim.clients must be a number in [1, 1000000]");
  EXPECT_EQ(error_of({"sim.clients=2.5"}), "sim.clients must be a whole number in [1, 1000000]");
}

TEST(SimConfig, UnknownComputeModelListsTheKnownOnes) {
  EXPECT_EQ(error_of({"sim.compute.model=gaussian"}),
            "sim.compute.model = 'gaussian': allowed are fixed, sqrt, exponential, straggler, mix");
}

TEST(SimConfig, NegativeTimesAreRefused) {
  EXPECT_EQ(error_of({"sim.compute.base_ms=-1"}),
            "sim.compute.base_ms must be a number in [0.001, 1e7] ms");
  EXPECT_EQ(error_of({"sim.link.latency_ms=-0.5"}),
            "sim.link.latency_ms must be a number in [0, 1e7] ms");
  EXPECT_EQ(error_of({"sim.max_virtual_seconds=-3"}),
            "sim.max_virtual_seconds must be a number in [0, 1e9] (0 = off)");
  EXPECT_EQ(error_of({"sim.link.up_mbit_s=-10"}),
            "sim.link.up_mbit_s must be a number in [0, 1e6] (0 = unlimited)");
}

TEST(SimConfig, OtherBadSimInputIsNamed) {
  EXPECT_EQ(error_of({"sim.partition=random"}),
            "sim.partition = 'random': allowed are iid, shards, dirichlet, full");
  EXPECT_EQ(error_of({"sim.dataset=cifar"}),
            "sim.dataset = 'cifar': allowed are fashion-mnist, idx, quadratic");
  EXPECT_EQ(error_of({"sim.clinets=4"}), "unknown config key sim.clinets");
  EXPECT_EQ(error_of({"sim.link.jitter=4"}), "unknown config key sim.link.jitter");
  EXPECT_EQ(error_of({"sim.compute.slow_fraction=1.5"}),
            "sim.compute.slow_fraction must be a number in [0, 1]");
  EXPECT_EQ(error_of({"sim.dataset=idx"}),
            "sim.dataset = \"idx\" needs sim.train_images and sim.train_labels");
}

TEST(SimConfig, JitterAndOrderByLabelAreReadAndChecked) {
  Result<SimConfig> loaded = load_sim_config(
      "", {"sim.compute.jitter=0.3", "sim.order_by_label=1", "sim.partition=shards"});
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_DOUBLE_EQ(loaded->sim.compute.jitter, 0.3);
  EXPECT_TRUE(loaded->sim.order_by_label);
  EXPECT_EQ(error_of({"sim.compute.jitter=1"}), "sim.compute.jitter must be a number in [0, 0.99]");
  EXPECT_EQ(error_of({"sim.order_by_label=1", "sim.partition=full"}),
            "sim.order_by_label = 1 needs labelled parts (not partition = \"full\" or the "
            "quadratic)");
}

TEST(SimConfig, CoordinatorErrorsComeThroughUnchanged) {
  EXPECT_EQ(error_of({"training.batch_size=0"}),
            "training.batch_size must be a number in [1, 65535]");
  EXPECT_EQ(error_of({"nonsense.key=1"}), "unknown config section [nonsense]");
}

}  // namespace
}  // namespace fedgate::sim
