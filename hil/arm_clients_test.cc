// Hardware-in-the-loop under user-mode QEMU: the native coordinator trains
// softmax regression on Fashion-MNIST with two aarch64 clients and one armhf
// client, the binaries a Raspberry Pi would run (cross-built by the aarch64 and
// armhf presets), each under qemu-aarch64 / qemu-arm. Also: an ARM client with
// the wrong data is refused at Hello, and a missing data file is a clear error.
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "hil/arm_target.h"
#include "tests/integration/learning.h"
#include "tests/integration/process.h"

namespace fedgate::testing {
namespace {

const char* const kDataDir = "/usr/share/datasets/fashion-mnist";
const char* const kClient = "firmware/linux/fedgate-client";

// Emulated clients load the data and compute several times slower than native
// ones; a heartbeat of 5 s (silence timeout 15 s) keeps them from re-registering.
std::vector<std::string> coordinator_args(const std::string& dir,
                                          const std::vector<std::string>& extra) {
  std::vector<std::string> args = {
      "--bind",    "tcp://127.0.0.1:*",    "--endpoint-file", dir + "/endpoint",
      "--metrics", dir + "/metrics.jsonl", "--set",           "server.heartbeat_ms=5000"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// The object of one client in the summary's "clients" map, e.g. {"offers":3,...}.
std::string client_counts(const std::string& summary, const std::string& name) {
  const std::string key = "\"" + name + "\":{";
  const size_t at = summary.find(key);
  if (at == std::string::npos) return "";
  const size_t end = summary.find('}', at);
  return summary.substr(at + key.size() - 1, end - at - key.size() + 2);
}

struct ArmClient {
  ArmTarget target;
  std::string name;
};

class ArmClients : public ::testing::Test {
 protected:
  void SetUp() override {
    struct stat info;
    ASSERT_EQ(stat((std::string(kDataDir) + "/train-images-idx3-ubyte.gz").c_str(), &info), 0)
        << "dataset-fashion-mnist is not installed (scripts/setup installs it)";
    dir_ = make_temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Fails the test (with how to fix it) unless `target` can run its client.
  void require_client(const ArmTarget& target) {
    const std::string missing = missing_for(target, target_program(target, kClient));
    ASSERT_TRUE(missing.empty()) << missing;
  }

  std::unique_ptr<Process> start_client(const ArmTarget& target,
                                        const std::vector<std::string>& args,
                                        const std::string& log) {
    return std::make_unique<Process>(
        target.qemu, qemu_args(target, target_program(target, kClient), args), dir_ + "/" + log);
  }

  std::string dir_;
};

TEST_F(ArmClients, TwoAarch64AndOneArmhfClientTrainWithANativeCoordinator) {
  const std::vector<ArmClient> arm = {
      {aarch64_target(), "pi64-a"}, {aarch64_target(), "pi64-b"}, {armhf_target(), "pi32"}};
  for (const ArmClient& client : arm) ASSERT_NO_FATAL_FAILURE(require_client(client.target));

  const auto started = std::chrono::steady_clock::now();
  constexpr int kVersions = 600;
  Process coordinator(FEDGATE_COORDINATOR_BIN,
                      coordinator_args(dir_, {"--max-versions", std::to_string(kVersions),
                                              "--min-clients", std::to_string(arm.size()), "--set",
                                              "run.eval_every=200", "--quiet"}),
                      dir_ + "/coordinator.log");
  const std::string endpoint = wait_for_line(dir_ + "/endpoint", 30);
  ASSERT_FALSE(endpoint.empty()) << read_file(dir_ + "/coordinator.log");

  std::vector<std::unique_ptr<Process>> clients;
  const int count = static_cast<int>(arm.size());
  for (int i = 0; i < count; ++i) {
    clients.push_back(
        start_client(arm[i].target,
                     {"--connect", endpoint, "--name", arm[i].name, "--clients",
                      std::to_string(count), "--index", std::to_string(i), "--data-dir", kDataDir},
                     arm[i].name + ".log"));
  }
  ASSERT_EQ(coordinator.wait(150), 0) << read_file(dir_ + "/coordinator.log");
  for (auto& client : clients) {
    EXPECT_EQ(client->wait(30), 0) << read_file(client->output_path());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const RunMetrics run = read_run_metrics(dir_ + "/metrics.jsonl");
  const std::string& metrics = run.text;
  const auto& evals = run.evals;
  const auto& summaries = run.summaries;
  ASSERT_GE(evals.size(), 2u) << metrics;
  ASSERT_EQ(summaries.size(), 1u) << metrics;
  const std::string& summary = summaries[0];

  // Learning happened: from chance to past a floor in 600 versions; nobody lost
  // track of the coordinator while emulated.
  expect_learned(run, 0.70);
  expect_clean_summary(summary, kVersions, count);

  // Every ARM client contributed: the coordinator applied its updates, and the
  // client counted the same accepts.
  for (int i = 0; i < count; ++i) {
    const std::string counts = client_counts(summary, arm[i].name);
    ASSERT_FALSE(counts.empty()) << arm[i].name << " missing from " << summary;
    EXPECT_GT(json_number(counts, "updates"), 0) << arm[i].name << ": " << counts;
    const auto lines =
        lines_starting_with(read_file(clients[i]->output_path()), "{\"event\":\"client_summary\"");
    ASSERT_EQ(lines.size(), 1u) << read_file(clients[i]->output_path());
    EXPECT_EQ(json_number(lines[0], "accepts"), json_number(counts, "accepts")) << arm[i].name;
    std::printf("%s (%s): offers %.0f, accepted %.0f, updates applied %.0f\n", arm[i].name.c_str(),
                arm[i].target.name.c_str(), json_number(counts, "offers"),
                json_number(counts, "accepts"), json_number(counts, "updates"));
  }
  std::printf("accuracy %.3f -> %.3f in %d versions, %.1f s\n", first_accuracy(run),
              final_accuracy(run), kVersions, seconds);
}

TEST_F(ArmClients, Aarch64ClientWithOtherDataIsRefusedAtHello) {
  const ArmTarget target = aarch64_target();
  ASSERT_NO_FATAL_FAILURE(require_client(target));
  Process coordinator(FEDGATE_COORDINATOR_BIN, coordinator_args(dir_, {"--quiet"}),
                      dir_ + "/coordinator.log");
  const std::string endpoint = wait_for_line(dir_ + "/endpoint", 30);
  ASSERT_FALSE(endpoint.empty()) << read_file(dir_ + "/coordinator.log");
  // A 3-feature CSV dataset against the 784-feature model.
  const std::string csv = dir_ + "/tiny.csv";
  {
    std::ofstream out(csv);
    out << "label,a,b,c\n";
    for (int i = 0; i < 20; ++i) out << i % 10 << "," << i << ",1,2\n";
  }
  auto client = start_client(target, {"--connect", endpoint, "--csv", csv}, "client.log");
  EXPECT_EQ(client->wait(60), 4);
  const std::string log = read_file(client->output_path());
  EXPECT_NE(log.find("3 features"), std::string::npos) << log;
  coordinator.signal(SIGTERM);
  EXPECT_EQ(coordinator.wait(20), 0);
}

TEST_F(ArmClients, ArmhfClientWithoutItsDataFileSaysSoAndExits) {
  const ArmTarget target = armhf_target();
  ASSERT_NO_FATAL_FAILURE(require_client(target));
  auto client = start_client(
      target, {"--connect", "tcp://127.0.0.1:9", "--data-dir", dir_ + "/absent"}, "client.log");
  EXPECT_EQ(client->wait(60), 2);
  const std::string log = read_file(client->output_path());
  EXPECT_NE(log.find("cannot load training data"), std::string::npos) << log;
  EXPECT_NE(log.find("train-images-idx3-ubyte.gz"), std::string::npos) << log;
}

}  // namespace
}  // namespace fedgate::testing
