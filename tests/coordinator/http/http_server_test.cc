#include "coordinator/http/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "coordinator/http/http_address.h"
#include "tests/coordinator/http/exposition_checker.h"
#include "tests/coordinator/http/status_fixture.h"

namespace fedgate {
namespace {

TEST(HttpAddress, ParsesHostAndPort) {
  EXPECT_EQ(parse_http_address("127.0.0.1:9464")->port, 9464);
  EXPECT_EQ(parse_http_address("127.0.0.1:9464")->host, "127.0.0.1");
  EXPECT_EQ(parse_http_address("0.0.0.0:*")->port, 0);
  EXPECT_EQ(parse_http_address("[::1]:0")->host, "::1");
  for (const char* bad : {"", "9464", ":9464", "host:", "host:x", "host:70000", "[::1:1"}) {
    const Result<HttpAddress> parsed = parse_http_address(bad);
    ASSERT_FALSE(parsed.is_ok()) << bad;
    EXPECT_NE(std::string(parsed.status().message()).find("server.http"), std::string::npos);
  }
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() : publisher_(harness_.clock(), R"({"server": {}})") {
    testing::play_small_run(harness_);
    publisher_.publish(harness_.coordinator());
  }
  CoordinatorHarness harness_{testing::accept_all_policies()};
  SnapshotPublisher publisher_;
};

TEST_F(HttpServerTest, ServesMetricsStatusAndTheDashboardOnAFreePort) {
  HttpServer server(publisher_, true);
  ASSERT_TRUE(server.start("127.0.0.1:0").is_ok());
  const std::string prefix = "http://127.0.0.1:";
  ASSERT_EQ(server.url().rfind(prefix, 0), 0u) << server.url();
  const int port = std::stoi(server.url().substr(prefix.size()));
  EXPECT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const testing::Exposition e = testing::parse_exposition(metrics->body);
  EXPECT_TRUE(e.errors.empty());
  EXPECT_EQ(e.value("fedgate_model_version"), 3);
  EXPECT_EQ(e.value("fedgate_client_offers_total", {{"client", "a"}}), 2);

  auto status = client.Get("/api/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  const nlohmann::json json = nlohmann::json::parse(status->body);
  EXPECT_EQ(json["version"], 3);
  EXPECT_EQ(json["clients"].size(), 2u);

  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<canvas"), std::string::npos);
  EXPECT_NE(page->body.find("api/status"), std::string::npos);
  EXPECT_EQ(page->body.find("https://"), std::string::npos);  // nothing from outside
  auto chart = client.Get("/chart.js");
  ASSERT_TRUE(chart);
  EXPECT_NE(chart->body.find("Chart.js v"), std::string::npos);
  EXPECT_GT(chart->body.size(), 100000u);
  auto missing = client.Get("/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpServerTest, ServesTheNewestSnapshot) {
  HttpServer server(publisher_, false);
  ASSERT_TRUE(server.start("127.0.0.1:*").is_ok());
  const int port = std::stoi(server.url().substr(std::string("http://127.0.0.1:").size()));
  httplib::Client client("127.0.0.1", port);
  harness_.contribute_at("a", 3, std::vector<float>(CoordinatorHarness::kDim, 0.1f));
  EXPECT_EQ(nlohmann::json::parse(client.Get("/api/status")->body)["version"], 3);
  publisher_.publish(harness_.coordinator());
  EXPECT_EQ(nlohmann::json::parse(client.Get("/api/status")->body)["version"], 4);
  EXPECT_EQ(client.Get("/metrics")->body.find("fedgate_client_"), std::string::npos);
}

TEST_F(HttpServerTest, ABusyPortIsAnErrorNamingTheAddress) {
  HttpServer first(publisher_, false);
  ASSERT_TRUE(first.start("127.0.0.1:0").is_ok());
  const std::string taken = first.url().substr(7, first.url().size() - 8);  // HOST:PORT
  HttpServer second(publisher_, false);
  const Status status = second.start(taken);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(std::string(status.message()).find(taken), std::string::npos) << status.message();
}

}  // namespace
}  // namespace fedgate
