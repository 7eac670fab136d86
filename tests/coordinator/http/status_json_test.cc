#include "coordinator/http/status_json.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/coordinator/http/status_fixture.h"

namespace fedgate {
namespace {

TEST(StatusJson, HasTheCountersTheClientTableAndTheHistory) {
  CoordinatorHarness h(testing::accept_all_policies());
  testing::play_small_run(h);
  StatusSnapshot snapshot = take_status_snapshot(h.coordinator(), h.clock().now_us(), 0);
  snapshot.evaluated = true;
  snapshot.last_eval = {3, 2.5, 0.75, std::nan("")};
  snapshot.evals = {{0, 0, 0.1, 2.3}, {3, 2.5, 0.75, std::nan("")}};
  snapshot.config_json = R"({"server": {"http": "127.0.0.1:0"}})";
  const nlohmann::json status = status_json(snapshot);

  EXPECT_EQ(status["version"], 3);
  EXPECT_EQ(status["running"], true);
  EXPECT_EQ(status["counters"]["offers"], 3);
  EXPECT_EQ(status["counters"]["accepts"], 3);
  EXPECT_EQ(status["errors_by_code"]["Unverifiable"], 1);
  EXPECT_EQ(status["staleness"]["by_tau"]["1"], 2);
  EXPECT_EQ(status["staleness"]["count"], 3);
  EXPECT_EQ(status["last_eval"]["accuracy"], 0.75);
  EXPECT_TRUE(status["last_eval"]["loss"].is_null());  // JSON has no NaN
  ASSERT_EQ(status["evals"].size(), 2u);
  EXPECT_EQ(status["evals"][0]["loss"], 2.3);
  EXPECT_EQ(status["config"]["server"]["http"], "127.0.0.1:0");

  ASSERT_EQ(status["clients"].size(), 2u);
  const nlohmann::json& a = status["clients"][0];
  EXPECT_EQ(a["name"], "a");
  EXPECT_EQ(a["offers"], 2);
  EXPECT_EQ(a["accepts"], 2);
  EXPECT_EQ(a["applied"], 2);
  EXPECT_DOUBLE_EQ(a["mean_staleness"].get<double>(), 0.5);  // staleness 0 and 1
  EXPECT_DOUBLE_EQ(a["last_seen_age_s"].get<double>(), 2.5);
  EXPECT_GT(a["bytes_up"].get<uint64_t>(), 0u);
  EXPECT_GT(a["bytes_down"].get<uint64_t>(), 0u);
  EXPECT_EQ(status["clients"][1]["mean_staleness"], 1.0);
}

TEST(StatusJson, BeforeAnyEvaluationLastEvalIsNull) {
  const nlohmann::json status = status_json(StatusSnapshot());
  EXPECT_TRUE(status["last_eval"].is_null());
  EXPECT_TRUE(status["evals"].empty());
  EXPECT_TRUE(status["config"].is_object());
}

}  // namespace
}  // namespace fedgate
