// The gateway's log: level names checked, lines with a UTC timestamp and the
// level, filtered by level, copied into a file (the run directory's log).
#include "coordinator/logging.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Logging, KnowsTheLevelNames) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_TRUE(check_log_level(level).is_ok()) << level;
  }
  for (const char* level : {"loud", "", "INFO", "warning"}) {
    const Status status = check_log_level(level);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << level;
    EXPECT_NE(std::string(status.message()).find(kLogLevelNames), std::string::npos);
  }
  EXPECT_FALSE(start_logging("loud").is_ok());
}

// What `log` writes into a copy file while the logger runs at `level`.
template <typename Log>
std::string copied_at(const char* level, Log log) {
  TempDir dir("logging");
  const std::string path = dir.file("coordinator.log");
  std::FILE* file = std::fopen(path.c_str(), "w");
  EXPECT_NE(file, nullptr) << path;
  if (file == nullptr) return "";
  EXPECT_TRUE(start_logging(level).is_ok());
  copy_log_to(file);
  log();
  copy_log_to(nullptr);
  spdlog::error("after the copy stopped");
  std::fclose(file);
  EXPECT_TRUE(start_logging("info").is_ok());
  return read_text(path);
}

TEST(Logging, CopiesTimestampedLinesFromTheLevelUpIntoAFile) {
  const std::string text = copied_at("info", [] {
    spdlog::debug("hidden at info");
    spdlog::info("listening on {}", "tcp://127.0.0.1:5555");
    spdlog::error("cannot bind {}", "tcp://x");
  });
  EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
  EXPECT_EQ(text.find("after the copy"), std::string::npos) << text;
  // No colour codes in a file; ISO 8601 UTC with milliseconds.
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  const std::regex lines(
      "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z info  listening on "
      "tcp://127.0.0.1:5555\n"
      "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z error cannot bind tcp://x\n");
  EXPECT_TRUE(std::regex_match(text, lines)) << text;
}

TEST(Logging, DebugLevelShowsDebugLines) {
  const std::string text =
      copied_at("debug", [] { spdlog::debug("client {}: VersionOutsideWindow", "pi-1"); });
  EXPECT_NE(text.find("debug client pi-1: VersionOutsideWindow"), std::string::npos) << text;
}

}  // namespace
}  // namespace fedgate
