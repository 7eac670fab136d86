// Durability (docs/run-directory.md, "Checkpoints and resume"): a real
// coordinator with four real clients, killed with SIGKILL at 20 seeded random
// moments of one training run and restarted each time on the same run
// directory and port. Every restart must resume from the newest checkpoint on
// disk (none of them corrupt), the version must never fall below it, the model
// must stay finite, and the run must still reach its target accuracy.
// About a minute; ctest label "durability". Needs Debian's dataset-fashion-mnist.
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/checkpoint.h"
#include "coordinator/checkpoint_file.h"
#include "coordinator/checkpoint_state.h"
#include "coordinator/checkpointer.h"
#include "tests/integration/learning.h"
#include "tests/integration/process.h"

namespace fedgate::testing {
namespace {

const char* const kDataDir = "/usr/share/datasets/fashion-mnist";
constexpr int kClients = 4;
constexpr int kKills = 20;
constexpr double kTarget = 0.75;

bool have_dataset() {
  struct stat info;
  return stat((std::string(kDataDir) + "/train-images-idx3-ubyte.gz").c_str(), &info) == 0;
}

// The version of the newest checkpoint in `dir` that reads back whole (-1: none).
int64_t newest_good_version(const std::string& dir) {
  const std::vector<std::string> paths = Checkpointer::list(dir);
  for (auto it = paths.rbegin(); it != paths.rend(); ++it) {
    Result<CheckpointSections> sections = read_checkpoint_file(*it);
    if (sections.is_ok()) return CoordinatorCheckpoint::version(*sections);
  }
  return -1;
}

// The clients' announced model encodings in the newest good checkpoint of `dir`
// (its "downlink" section): routing id -> bit set of ModelEncoding values.
std::map<std::string, uint8_t> newest_announcements(const std::string& dir) {
  std::map<std::string, uint8_t> announced;
  const std::vector<std::string> paths = Checkpointer::list(dir);
  for (auto it = paths.rbegin(); it != paths.rend(); ++it) {
    Result<CheckpointSections> sections = read_checkpoint_file(*it);
    if (!sections.is_ok()) continue;
    const CheckpointSection* downlink = find_section(*sections, "downlink");
    if (downlink == nullptr) return announced;
    StateReader in(Span<const uint8_t>(downlink->bytes.data(), downlink->bytes.size()));
    const uint32_t count = in.count(5);
    for (uint32_t i = 0; i < count && !in.failed(); ++i) {
      const std::string id = in.str();
      announced[id] = in.u8();
    }
    return announced;
  }
  return announced;
}

// Waits until `path` holds a line matching `pattern`; its first group, or "".
std::string wait_for_match(const std::string& path, const std::regex& pattern, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string text = read_file(path);
    if (std::regex_search(text, match, pattern)) return match[1].str();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

TEST(Durability, TwentyKillsResumeFromCheckpointsAndTheRunReachesItsTarget) {
  if (!have_dataset()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = make_temp_dir("durability");
  const std::string run_dir = dir + "/run";
  // No stop condition during the kills; the last restart trains 200 versions
  // more (so its clients are back and get their Bye) and must end above the
  // target accuracy.
  const auto coordinator_args = [&](const std::string& bind, int64_t max_versions) {
    return std::vector<std::string>{"--bind",          bind,
                                    "--endpoint-file", dir + "/endpoint",
                                    "--run-dir",       run_dir,
                                    "--max-versions",  std::to_string(max_versions),
                                    "--min-clients",   std::to_string(kClients),
                                    "--set",           "run.eval_every=50",
                                    "--set",           "server.heartbeat_ms=200",
                                    "--set",           "run.checkpoint_every_versions=40",
                                    "--set",           "run.checkpoint_every_seconds=0.25"};
  };

  // The first run picks the port; every restart binds the same one, so the
  // clients (which keep their endpoint) find it again.
  auto coordinator =
      std::make_unique<Process>(FEDGATE_COORDINATOR_BIN, coordinator_args("tcp://127.0.0.1:*", 0),
                                dir + "/coordinator-0.log");
  const std::string endpoint = wait_for_line(dir + "/endpoint", 30);
  ASSERT_FALSE(endpoint.empty()) << read_file(dir + "/coordinator-0.log");
  std::vector<std::unique_ptr<Process>> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Process>(
        FEDGATE_CLIENT_BIN,
        std::vector<std::string>{"--connect", endpoint, "--clients", std::to_string(kClients),
                                 "--index", std::to_string(i), "--data-dir", kDataDir},
        dir + "/client" + std::to_string(i) + ".log"));
  }

  std::mt19937 rng(20261201);
  std::uniform_real_distribution<double> moment_s(0.0, 1.0);
  int64_t last_resumed = 0;
  const std::regex resumed_line("resumed from checkpoint (?:\\S+) at version (\\d+)");
  // The first run trains until it has a checkpoint; each later one until it resumed.
  for (int i = 0; i < 20 * 100 && newest_good_version(run_dir) < 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(newest_good_version(run_dir), 0) << read_file(dir + "/coordinator-0.log");
  for (int kill = 1; kill <= kKills; ++kill) {
    // The moment: a random time after this coordinator has trained past the
    // checkpoint it started from (its clients may take a second to come back).
    for (int i = 0; i < 30 * 50 && newest_good_version(run_dir) <= last_resumed; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_GT(newest_good_version(run_dir), last_resumed)
        << "no training after restart " << kill - 1 << ":\n"
        << read_file(coordinator->output_path());
    std::this_thread::sleep_for(std::chrono::duration<double>(moment_s(rng)));
    ASSERT_TRUE(coordinator->running()) << "the run ended before kill " << kill << ":\n"
                                        << read_file(coordinator->output_path());
    coordinator->signal(SIGKILL);
    coordinator->wait(10);
    coordinator.reset();
    const int64_t newest = newest_good_version(run_dir);
    ASSERT_GE(newest, last_resumed) << "kill " << kill;

    const std::string log = dir + "/coordinator-" + std::to_string(kill) + ".log";
    coordinator = std::make_unique<Process>(
        FEDGATE_COORDINATOR_BIN, coordinator_args(endpoint, kill == kKills ? newest + 200 : 0),
        log);
    const std::string version = wait_for_match(log, resumed_line, 30);
    ASSERT_FALSE(version.empty()) << "restart " << kill << " did not resume:\n" << read_file(log);
    const int64_t resumed = std::stoll(version);
    EXPECT_EQ(resumed, newest) << "restart " << kill << " did not take the newest checkpoint";
    EXPECT_GT(resumed, last_resumed) << "restart " << kill << " did not get past the last one";
    EXPECT_EQ(read_file(log).find("unusable"), std::string::npos) << read_file(log);
    last_resumed = resumed;
  }

  // The last restart trains on and stops by itself.
  ASSERT_EQ(coordinator->wait(120), 0) << read_file(coordinator->output_path());
  for (auto& client : clients) EXPECT_EQ(client->wait(30), 0) << read_file(client->output_path());
  const RunMetrics metrics = read_run_metrics(run_dir + "/metrics.jsonl");
  ASSERT_FALSE(metrics.summaries.empty()) << metrics.text;
  EXPECT_NE(metrics.summaries.back().find("reached max_versions"), std::string::npos)
      << metrics.summaries.back();
  EXPECT_GE(final_accuracy(metrics), kTarget) << metrics.summaries.back();
  // The counters came through the restarts too.
  EXPECT_EQ(json_number(metrics.summaries.back(), "updates"),
            static_cast<double>(last_resumed + 200));
  // Every evaluation of every restart saw a finite model.
  for (const std::string& eval : metrics.evals) {
    EXPECT_TRUE(std::isfinite(json_number(eval, "loss"))) << eval;
  }
  // The checkpoints carry what each client announced, so a resumed run sends each one
  // dense model and then deltas, without waiting for it to register again.
  const std::map<std::string, uint8_t> announced = newest_announcements(run_dir);
  EXPECT_EQ(announced.size(), static_cast<size_t>(kClients));
  for (const auto& [id, encodings] : announced) {
    EXPECT_NE(encodings & (1u << static_cast<unsigned>(wire::ModelEncoding::Int8Delta)), 0u)
        << "client " << id << " announced " << static_cast<unsigned>(encodings);
  }
  // One eval line per start at least: the log went on across restarts.
  EXPECT_GE(metrics.evals.size(), static_cast<size_t>(kKills + 1));
  std::printf(
      "durability: %d kills, each resumed from the newest checkpoint, last at version %lld, "
      "final accuracy %.3f after %.0f updates\n",
      kKills, static_cast<long long>(last_resumed), final_accuracy(metrics),
      json_number(metrics.summaries.back(), "updates"));
}

}  // namespace
}  // namespace fedgate::testing
