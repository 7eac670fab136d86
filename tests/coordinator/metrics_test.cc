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

}  // namespace
}  // namespace fedgate
