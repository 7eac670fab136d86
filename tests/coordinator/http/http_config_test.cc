#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "coordinator/coordinator_config.h"

namespace fedgate {
namespace {

TEST(HttpConfig, ServerHttpIsOffByDefaultAndReadFromTheConfig) {
  Result<CoordinatorConfig> defaults = load_coordinator_config("", {});
  ASSERT_TRUE(defaults.is_ok());
  EXPECT_EQ(defaults->http, "");
  EXPECT_FALSE(defaults->http_per_client);
  Result<CoordinatorConfig> on = load_coordinator_config(
      "", {"server.http=\"127.0.0.1:9464\"", "server.http_per_client=true"});
  ASSERT_TRUE(on.is_ok()) << on.status().message();
  EXPECT_EQ(on->http, "127.0.0.1:9464");
  EXPECT_TRUE(on->http_per_client);
  // --print-config shows both, and reading that back gives the same settings.
  const std::string text = render_coordinator_config(*on);
  EXPECT_NE(text.find("http = \"127.0.0.1:9464\"\nhttp_per_client = true\n"), std::string::npos);
}

TEST(HttpConfig, APerClientSwitchThatIsNotABooleanIsAnErrorNamingTheKey) {
  Result<CoordinatorConfig> bad = load_coordinator_config("", {"server.http_per_client=1"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(std::string(bad.status().message()).find("server.http_per_client"), std::string::npos);
}

TEST(HttpConfig, TheConfigurationAsJsonHasEverySection) {
  Result<CoordinatorConfig> config = load_coordinator_config("", {"server.http=\"[::1]:0\""});
  ASSERT_TRUE(config.is_ok());
  const nlohmann::json json = nlohmann::json::parse(coordinator_config_json(*config));
  EXPECT_EQ(json["server"]["http"], "[::1]:0");
  EXPECT_EQ(json["server"]["bind"], "tcp://*:5555");
  EXPECT_EQ(json["acceptance"]["policy"], "norm-ratio-simplified");
  EXPECT_TRUE(json["run"].contains("max_versions"));
}

}  // namespace
}  // namespace fedgate
