// The metrics lines are JSON a parser reads back: names from the network and
// non-finite values included.
#include "coordinator/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

using nlohmann::json;

TEST(MetricsJson, NonFiniteLossAndAccuracyAreNull) {
  EvalPoint point;
  point.version = 7;
  point.time_s = 1.5;
  point.accuracy = std::numeric_limits<double>::quiet_NaN();
  point.loss = std::numeric_limits<double>::infinity();
  ClientRegistry clients;
  const json line = json::parse(metrics_json("eval", point, Metrics{}, clients));
  EXPECT_TRUE(line.at("loss").is_null()) << line;
  EXPECT_TRUE(line.at("accuracy").is_null()) << line;
  EXPECT_EQ(line.at("version"), 7);
  EXPECT_EQ(line.at("time_s"), 1.5);
}

TEST(MetricsJson, FiniteValuesKeepTheirValue) {
  EvalPoint point;
  point.accuracy = 0.8125;
  point.loss = 0.123456789;
  ClientRegistry clients;
  const json line = json::parse(metrics_json("eval", point, Metrics{}, clients));
  EXPECT_DOUBLE_EQ(line.at("accuracy").get<double>(), 0.8125);
  EXPECT_DOUBLE_EQ(line.at("loss").get<double>(), 0.123456789);
}

TEST(MetricsJson, ClientNamesWithQuotesAndControlBytesStayValid) {
  ClientRegistry clients;
  const std::string quoted = "pi \"kitchen\" \\ 1";
  const std::string control = std::string("tab\there\nnul") + '\0' + "\x01";
  const std::string not_utf8 = "latin\xe9";
  clients.upsert(quoted).counts.offers = 3;
  clients.upsert(control).counts.accepts = 2;
  clients.upsert(not_utf8).counts.updates = 1;
  const std::string text = metrics_json("eval", EvalPoint{}, Metrics{}, clients);
  EXPECT_EQ(text.find('\n'), std::string::npos) << "one line per object";
  const json line = json::parse(text);
  const json& per_client = line.at("clients");
  ASSERT_EQ(per_client.size(), 3u) << text;
  EXPECT_EQ(per_client.at(quoted).at("offers"), 3);
  EXPECT_EQ(per_client.at(control).at("accepts"), 2);
  // Bytes that are not UTF-8 become U+FFFD rather than invalid JSON.
  EXPECT_EQ(per_client.at("latin\xef\xbf\xbd").at("updates"), 1);
}

TEST(MetricsJson, KeepsEveryKey) {
  Metrics metrics;
  metrics.offers = 5;
  metrics.accepts = 4;
  metrics.rejects = 1;
  metrics.errors_by_code["Unverifiable"] = 2;
  metrics.staleness[3] = 9;
  ClientRegistry clients;
  clients.upsert("c0").counts.bytes_up = 100;
  const json line = json::parse(metrics_json("summary", EvalPoint{}, metrics, clients,
                                             {{"reason", "done"}, {"trigger", "lag"}}));
  for (const char* key :
       {"event",       "version",    "time_s",      "accuracy",      "loss",
        "bytes_up",    "bytes_down", "messages_up", "messages_down", "offers",
        "accepts",     "rejects",    "updates",     "skips",         "hellos",
        "model_sends", "errors",     "commits",     "clipped",       "forced_accepts",
        "buffered",    "reused",     "dropped_old", "held",          "errors_by_code",
        "staleness",   "clients",    "reason",      "trigger"}) {
    EXPECT_TRUE(line.contains(key)) << key << " missing: " << line;
  }
  EXPECT_EQ(line.at("event"), "summary");
  EXPECT_EQ(line.at("offers"), 5);
  EXPECT_EQ(line.at("errors_by_code").at("Unverifiable"), 2);
  EXPECT_EQ(line.at("staleness").at("3"), 9);
  EXPECT_EQ(line.at("clients").at("c0").at("bytes_up"), 100);
  EXPECT_EQ(line.at("reason"), "done");
  EXPECT_EQ(line.at("trigger"), "lag");
}

TEST(MetricsLog, WritesOneParsableLinePerCall) {
  TempDir dir("metrics");
  {
    MetricsLog log;
    ASSERT_TRUE(log.open(dir.file("m.jsonl")));
    ClientRegistry clients;
    log.write("eval", EvalPoint{}, Metrics{}, clients);
    log.write_line(json{{"event", "sim"}}.dump());
  }
  std::ifstream in(dir.file("m.jsonl"));
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(json::parse(line).at("event"), "eval");
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(json::parse(line).at("event"), "sim");
  EXPECT_FALSE(std::getline(in, line));
}

// Evaluation lines stay small; the per-client table goes with the summary,
// unless run.metrics_clients asks for it in every line.
TEST(MetricsLog, PerClientTableOnlyInTheSummaryUnlessAskedFor) {
  TempDir dir("metrics");
  ClientRegistry clients;
  clients.upsert("pi-1").counts.updates = 4;
  for (const bool in_evals : {false, true}) {
    {
      MetricsLog log;
      ASSERT_TRUE(log.open(dir.file("m.jsonl")));
      log.set_clients_in_evals(in_evals);
      log.write("eval", EvalPoint{}, Metrics{}, clients);
      log.write("summary", EvalPoint{}, Metrics{}, clients);
    }
    std::ifstream in(dir.file("m.jsonl"));
    std::string eval, summary;
    ASSERT_TRUE(std::getline(in, eval));
    ASSERT_TRUE(std::getline(in, summary));
    EXPECT_EQ(json::parse(eval).contains("clients"), in_evals) << eval;
    EXPECT_EQ(json::parse(summary).at("clients").at("pi-1").at("updates"), 4) << summary;
  }
}

TEST(MetricsJson, StaleOffersAreCountedApartFromErrors) {
  Metrics metrics;
  metrics.stale_offers = 6;
  metrics.errors = 1;
  ClientRegistry clients;
  const json line = json::parse(metrics_json("summary", EvalPoint{}, metrics, clients));
  EXPECT_EQ(line.at("stale_offers"), 6);
  EXPECT_EQ(line.at("errors"), 1);
}

TEST(RunHeaderJson, DescribesTheRun) {
  RunHeader header;
  header.version = "0.1.0 (git abc)";
  header.config_json = R"({"model":{"kind":"softmax","seed":7}})";
  header.seeds = {{"model.seed", 7}, {"sim.seed", 9}};
  header.started_utc = "2026-12-01T04:47:32Z";
  const std::string text = run_header_json(header);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(nlohmann::ordered_json::parse(text).begin().key(), "event");
  const json line = json::parse(text);
  EXPECT_EQ(line.at("event"), "run");
  EXPECT_EQ(line.at("fedgate_version"), "0.1.0 (git abc)");
  EXPECT_EQ(line.at("config").at("model").at("seed"), 7);
  EXPECT_EQ(line.at("seeds").at("sim.seed"), 9);
  EXPECT_EQ(line.at("started_utc"), "2026-12-01T04:47:32Z");
}

TEST(RunHeaderJson, UnparsableConfigBecomesNull) {
  RunHeader header;
  header.config_json = "{not json";
  EXPECT_TRUE(json::parse(run_header_json(header)).at("config").is_null());
}

TEST(UtcNow, IsIso8601WithZ) {
  const std::string now = utc_now_iso8601();
  ASSERT_EQ(now.size(), 20u) << now;
  EXPECT_EQ(now[4], '-');
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], 'Z');
}

}  // namespace
}  // namespace fedgate
