// Every policy describes itself in one parameter table; these tests keep the
// table, the factories, --print-config and docs/configuration.md in agreement.
#include "coordinator/policy_catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "coordinator/coordinator_config.h"
#include "core/protocol/client_policies.h"

namespace fedgate {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "fedgate_policy_catalog_test_" + name;
  std::ofstream(path) << text;
  return path;
}

// Every setting of `table` set to its default, as a config section holds them.
std::map<std::string, double> defaults_of(Span<const ParamSpec> table) {
  std::map<std::string, double> values;
  for (const ParamSpec& spec : table) values[spec.key] = spec.fallback;
  return values;
}

template <typename Policy>
void expect_defaults_build(const std::string& family,
                           Result<std::unique_ptr<Policy>> (*make)(const std::string&,
                                                                   const PolicyParams&)) {
  for (const auto* entry : registered_policies<Policy>()) {
    SCOPED_TRACE(family + "." + entry->name);
    for (const ParamSpec& spec : entry->params) {
      EXPECT_TRUE(param_in_range(spec, spec.fallback)) << spec.key;
      EXPECT_NE(std::string(spec.doc), "") << spec.key;
    }
    // Absent settings and settings spelled out at their defaults build alike.
    EXPECT_TRUE(make(entry->name, PolicyParams()).is_ok());
    auto spelled =
        make(entry->name, PolicyParams(family + "." + entry->name, defaults_of(entry->params)));
    EXPECT_TRUE(spelled.is_ok()) << spelled.status().message();
  }
}

const GlobalModel& probe_model() {
  static const GlobalModel model(std::vector<float>(4, 0.0f));
  return model;
}

TEST(PolicyCatalog, EveryServerPolicysDefaultsPassItsOwnValidation) {
  expect_defaults_build<AcceptancePolicy>(
      "acceptance", [](const std::string& name, const PolicyParams& params) {
        return make_acceptance_policy(name, params, probe_model());
      });
  expect_defaults_build<StepsizePolicy>("stepsize",
                                        [](const std::string& name, const PolicyParams& params) {
                                          return make_stepsize_policy(name, params);
                                        });
  expect_defaults_build<StalenessPolicy>(
      "staleness", [](const std::string& name, const PolicyParams& params) {
        return make_staleness_policy(name, params, probe_model());
      });
  expect_defaults_build<AggregationPolicy>(
      "aggregation", [](const std::string& name, const PolicyParams& params) {
        return make_aggregation_policy(name, params, probe_model(), 1);
      });
}

TEST(PolicyCatalog, EveryClientPolicysDefaultsPassItsOwnValidation) {
  TrainingSetup setup;
  setup.model_kind = wire::ModelKind::Softmax;
  setup.model_dim = 7850;
  setup.num_features = 784;
  setup.num_classes = 10;
  setup.batch_size = 32;
  auto check = [&](const char* trigger, const char* compression, const char* family,
                   Span<const ParamSpec> table) {
    SCOPED_TRACE(std::string(family) + "." + (family[0] == 't' ? trigger : compression));
    std::vector<std::string> names;
    for (const ParamSpec& spec : table) {
      EXPECT_TRUE(param_in_range(spec, spec.fallback)) << spec.key;
      names.push_back(std::string(family) + "." + spec.key);
    }
    std::vector<NamedParam> params;
    for (size_t i = 0; i < table.size(); ++i) {
      params.push_back({names[i].c_str(), table[i].fallback});
    }
    ClientPolicySpec spec;
    spec.trigger = trigger;
    spec.compression = compression;
    EXPECT_TRUE(check_client_policies(spec, setup).is_ok());
    spec.params = Span<const NamedParam>(params.data(), params.size());
    auto spelled = check_client_policies(spec, setup);
    EXPECT_TRUE(spelled.is_ok()) << spelled.status().message();
  };
  for (const TriggerEntry* entry : trigger_policies()) {
    check(entry->name, kDefaultCompression, "trigger", entry->params);
  }
  for (const CompressionEntry* entry : compression_policies()) {
    check(kDefaultTrigger, entry->name, "compression", entry->params);
  }
}

TEST(PolicyCatalog, ASubTableThatNamesNoPolicyIsAnError) {
  const std::string path = write_file("typo.toml", R"(
[stepsize]
policy = "constant"

[stepsize.constnt]
gamma = 0.5
)");
  auto config = load_coordinator_config(path, {});
  ASSERT_FALSE(config.is_ok());
  EXPECT_NE(std::string(config.status().message()).find("[stepsize.constnt]"), std::string::npos)
      << config.status().message();
  EXPECT_NE(std::string(config.status().message()).find("no such policy (known: constant,"),
            std::string::npos);
  // Client families and long known-lists too.
  auto trigger = load_coordinator_config("", {"trigger.lagg.c=2"});
  ASSERT_FALSE(trigger.is_ok());
  EXPECT_NE(std::string(trigger.status().message()).find("[trigger.lagg]"), std::string::npos);
  auto aggregation = load_coordinator_config("", {"aggregation.round-bufer.s=2"});
  ASSERT_FALSE(aggregation.is_ok());
  EXPECT_NE(std::string(aggregation.status().message()).find("[aggregation.round-bufer]"),
            std::string::npos);
}

TEST(PolicyCatalog, PrintConfigShowsEveryPolicySubTableWithItsDefaults) {
  // A non-default choice in every family, one setting given.
  auto config = load_coordinator_config(
      "", {"acceptance.policy=norm-ratio-exact", "acceptance.norm-ratio-exact.lambda=3",
           "stepsize.policy=shadowheart", "aggregation.policy=round-buffer",
           "trigger.policy=fixed-budget", "compression.policy=randk", "staleness.policy=identity"});
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  const std::string text = render_coordinator_config(*config);
  const std::pair<const char*, std::string> chosen[] = {
      {"acceptance", "norm-ratio-exact"}, {"stepsize", "shadowheart"}, {"staleness", "identity"},
      {"aggregation", "round-buffer"},    {"trigger", "fixed-budget"}, {"compression", "randk"}};
  for (const auto& [family, name] : chosen) {
    SCOPED_TRACE(std::string(family) + "." + name);
    EXPECT_NE(text.find("\n[" + std::string(family) + "." + name + "]\n"), std::string::npos)
        << text;
    auto info = find_policy(family, name);
    ASSERT_TRUE(info.is_ok());
    for (const ParamSpec& spec : (*info)->table) {
      if (std::string(spec.key) == "lambda") continue;
      char line[64];
      std::snprintf(line, sizeof(line), "\n# %s = %g  (default", spec.key, spec.fallback);
      EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
    }
  }
  EXPECT_NE(text.find("\nlambda = 3\n"), std::string::npos) << text;
  // The printed text loads back to the same configuration.
  auto again = load_coordinator_config(write_file("printed.toml", text), {});
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(render_coordinator_config(*again), text);
}

TEST(PolicyCatalog, ListPoliciesShowsEverySettingAndTheStarvationGuard) {
  const std::string text = policy_list_text();
  for (const PolicyFamily& family : policy_families()) {
    for (const PolicyInfo& info : family.infos) {
      EXPECT_NE(text.find(std::string("  ") + info.name + " "), std::string::npos) << info.name;
      for (const ParamSpec& spec : info.table) {
        char line[96];
        std::snprintf(line, sizeof(line), " %s = %g, ", spec.key, spec.fallback);
        EXPECT_NE(text.find(line), std::string::npos) << info.name << ": " << line;
      }
    }
  }
  EXPECT_NE(text.find("starvation_limit = 0"), std::string::npos) << text;
}

// docs/configuration.md holds the generated tables between two markers; when
// they disagree, paste the text this test prints.
TEST(PolicyCatalog, DocsTablesMatchThePolicyTables) {
  std::ifstream file(std::string(FEDGATE_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(file.good());
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string docs = buffer.str();
  const std::string begin =
      "<!-- policy tables: generated from the policies' parameter tables -->\n";
  const std::string end = "<!-- end of policy tables -->";
  const size_t from = docs.find(begin);
  const size_t to = docs.find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  const std::string expected = policy_tables_markdown();
  EXPECT_EQ(docs.substr(from + begin.size(), to - from - begin.size()), expected)
      << "docs/configuration.md should hold, between the markers:\n"
      << expected;
}

}  // namespace
}  // namespace fedgate
