#include "coordinator/logging.h"

#include <unistd.h>

#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/dist_sink.h>

namespace fedgate {
namespace {

// UTC with milliseconds, so a log and the metrics file's start time line up.
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v";

// Writes formatted lines into a stdio stream that someone else owns.
class StdioFileSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StdioFileSink(std::FILE* file) : file_(file) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t line;
    formatter_->format(message, line);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
  }
  void flush_() override { std::fflush(file_); }

 private:
  std::FILE* file_;
};

// The default logger's sinks: stderr always, the run's log file while one is set.
std::shared_ptr<spdlog::sinks::dist_sink_mt>& all_sinks() {
  static auto sinks = std::make_shared<spdlog::sinks::dist_sink_mt>();
  return sinks;
}

std::shared_ptr<spdlog::sinks::sink>& file_sink() {
  static std::shared_ptr<spdlog::sinks::sink> sink;
  return sink;
}

// The names of kLogLevelNames (spdlog's own list says "warning" and maps
// unknown names to "off", so it is not used to check).
std::optional<spdlog::level::level_enum> level_named(const std::string& name) {
  static const std::pair<const char*, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  for (const auto& [known, level] : kLevels) {
    if (name == known) return level;
  }
  return std::nullopt;
}

}  // namespace

Status check_log_level(const std::string& name) {
  if (level_named(name).has_value()) return Status::ok();
  return Status::error(StatusCode::kInvalidArgument, "'%s' is not a log level; allowed are %s",
                       name.c_str(), kLogLevelNames);
}

Status start_logging(const std::string& level) {
  FG_TRY(check_log_level(level));
  auto to_stderr = std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>(
      isatty(STDERR_FILENO) != 0 ? spdlog::color_mode::always : spdlog::color_mode::never);
  all_sinks()->set_sinks({to_stderr});
  auto logger = std::make_shared<spdlog::logger>("fedgate", all_sinks());
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
  logger->set_level(*level_named(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return Status::ok();
}

void copy_log_to(std::FILE* file) {
  if (file_sink() != nullptr) all_sinks()->remove_sink(file_sink());
  file_sink().reset();
  if (file == nullptr) return;
  file_sink() = std::make_shared<StdioFileSink>(file);
  file_sink()->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(kPattern, spdlog::pattern_time_type::utc));
  all_sinks()->add_sink(file_sink());
}

}  // namespace fedgate
