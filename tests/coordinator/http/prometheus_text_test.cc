#include "coordinator/http/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/coordinator/http/exposition_checker.h"
#include "tests/coordinator/http/status_fixture.h"

namespace fedgate {
namespace {

using testing::Exposition;
using testing::parse_exposition;

std::string errors_of(const Exposition& e) {
  std::string all;
  for (const std::string& error : e.errors) all += error + "\n";
  return all;
}

StatusSnapshot small_run_snapshot() {
  CoordinatorHarness h(testing::accept_all_policies());
  testing::play_small_run(h);
  StatusSnapshot snapshot = take_status_snapshot(h.coordinator(), h.clock().now_us(), 0);
  snapshot.evaluated = true;
  snapshot.last_eval = {3, 2.5, 0.75, 0.5};
  return snapshot;
}

TEST(PrometheusText, ARealRunIsValidExposition) {
  const StatusSnapshot snapshot = small_run_snapshot();
  for (const bool per_client : {false, true}) {
    const std::string text = prometheus_text(snapshot, per_client);
    const Exposition e = parse_exposition(text);
    EXPECT_TRUE(e.errors.empty()) << errors_of(e) << text;
  }
}

TEST(PrometheusText, CountersAndGaugesCarryTheCoordinatorsNumbers) {
  const StatusSnapshot snapshot = small_run_snapshot();
  const Exposition e = parse_exposition(prometheus_text(snapshot, false));
  EXPECT_EQ(e.value("fedgate_offers_total"), 3);
  EXPECT_EQ(e.value("fedgate_offers_accepted_total"), 3);
  EXPECT_EQ(e.value("fedgate_updates_applied_total"), 3);
  EXPECT_EQ(e.value("fedgate_registrations_total"), 2);
  EXPECT_EQ(e.value("fedgate_model_version"), 3);
  EXPECT_EQ(e.value("fedgate_clients_active"), 2);
  EXPECT_EQ(e.value("fedgate_received_bytes_total"), double(snapshot.metrics.bytes_up));
  EXPECT_GT(e.value("fedgate_sent_bytes_total"), 0);
  EXPECT_EQ(e.value("fedgate_errors_total", {{"code", "Unverifiable"}}), 1);
  EXPECT_EQ(e.value("fedgate_errors_total", {{"code", "VersionFromFuture"}}), 0);
  EXPECT_EQ(e.value("fedgate_test_accuracy_ratio"), 0.75);
  EXPECT_EQ(e.value("fedgate_uptime_seconds"), 2.5);
  // Shortest exact form (0.1, not 0.10000000000000001): Prometheus reads the same double.
  StatusSnapshot tenth = snapshot;
  tenth.last_eval.loss = 0.1;
  EXPECT_NE(prometheus_text(tenth, false).find("\nfedgate_test_loss 0.1\n"), std::string::npos);
  EXPECT_EQ(e.types.at("fedgate_offers_total"), "counter");
  EXPECT_EQ(e.types.at("fedgate_model_version"), "gauge");
  // Every counter follows the _total convention.
  for (const auto& [name, type] : e.types) {
    if (type == "counter") {
      EXPECT_TRUE(std::regex_search(name, std::regex("_total$"))) << name;
    }
  }
}

TEST(PrometheusText, StalenessIsAHistogramInVersions) {
  const Exposition e = parse_exposition(prometheus_text(small_run_snapshot(), false));
  const std::string h = "fedgate_update_staleness_versions";
  EXPECT_EQ(e.types.at(h), "histogram");
  EXPECT_EQ(e.value(h + "_bucket", {{"le", "0"}}), 1);
  EXPECT_EQ(e.value(h + "_bucket", {{"le", "1"}}), 3);
  EXPECT_EQ(e.value(h + "_bucket", {{"le", "+Inf"}}), 3);
  EXPECT_EQ(e.value(h + "_count"), 3);
  EXPECT_EQ(e.value(h + "_sum"), 2);
}

TEST(PrometheusText, PerClientSeriesOnlyWhenAskedAndEscaped) {
  const StatusSnapshot snapshot = small_run_snapshot();
  EXPECT_EQ(prometheus_text(snapshot, false).find("fedgate_client_"), std::string::npos);
  const std::string text = prometheus_text(snapshot, true);
  EXPECT_NE(text.find("client=\"b\\\"\\\\x\""), std::string::npos) << text;
  const Exposition e = parse_exposition(text);
  EXPECT_EQ(e.value("fedgate_client_updates_applied_total", {{"client", "a"}}), 2);
  EXPECT_EQ(e.value("fedgate_client_offers_total", {{"client", "b\\\"\\\\x"}}), 1);
}

TEST(PrometheusText, ADivergedLossIsNaNAndNoEvaluationMeansNoAccuracy) {
  StatusSnapshot snapshot;
  EXPECT_EQ(prometheus_text(snapshot, false).find("fedgate_test_accuracy"), std::string::npos);
  snapshot.evaluated = true;
  snapshot.last_eval.loss = std::nan("");
  const std::string text = prometheus_text(snapshot, false);
  EXPECT_NE(text.find("fedgate_test_loss NaN\n"), std::string::npos);
  EXPECT_TRUE(parse_exposition(text).errors.empty()) << errors_of(parse_exposition(text));
}

TEST(ExpositionChecker, RejectsWhatPrometheusRejects) {
  const char* bad[] = {
      "fedgate_x 1\n",                                                  // no TYPE
      "# TYPE fedgate_x gauge\nfedgate_x one\n",                        // bad value
      "# TYPE fedgate_x gauge\nfedgate_x{a=\"1} 1\n",                   // unclosed label
      "# TYPE fedgate_x gauge\nfedgate_x 1\nfedgate_x 2\n",             // duplicate series
      "# TYPE fedgate_x gauge\n# TYPE fedgate_x gauge\nfedgate_x 1\n",  // second TYPE
      "# TYPE fedgate_x gauge\nfedgate_x 1",                            // no final newline
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
      "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"y\"} 1\n",        // family split
  };
  for (const char* text : bad) EXPECT_FALSE(parse_exposition(text).errors.empty()) << text;
}

// docs/grafana-dashboard.json is valid JSON whose queries use only metric
// names /metrics exports (with per-client series on).
TEST(GrafanaDashboard, QueriesOnlyExportedMetrics) {
  std::ifstream file(std::string(FEDGATE_SOURCE_DIR) + "/docs/grafana-dashboard.json");
  ASSERT_TRUE(file) << "docs/grafana-dashboard.json";
  std::stringstream text;
  text << file.rdbuf();
  const nlohmann::json dashboard = nlohmann::json::parse(text.str(), nullptr, false);
  ASSERT_FALSE(dashboard.is_discarded()) << "docs/grafana-dashboard.json is not JSON";
  const Exposition e = parse_exposition(prometheus_text(small_run_snapshot(), true));
  std::set<std::string> exported;
  for (const testing::Sample& sample : e.samples) exported.insert(sample.name);
  int queries = 0;
  ASSERT_TRUE(dashboard.contains("panels"));
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      const std::string expr = target.at("expr");
      ++queries;
      const std::regex name("fedgate_[a-z0-9_]+");
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name);
           it != std::sregex_iterator(); ++it) {
        EXPECT_EQ(exported.count(it->str()), 1u) << it->str() << " in " << expr;
      }
    }
  }
  EXPECT_GE(queries, 5);
}

}  // namespace
}  // namespace fedgate
