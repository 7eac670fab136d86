// Only welcome peers (docs/security.md), end to end over loopback: with CURVE on,
// an allow-listed client trains under its public key while a client with an
// unknown key and one without CURVE are refused and counted; without CURVE, a
// second client under a name in use is refused with an Error while the first
// one reconnects and carries on. Needs Debian's dataset-fashion-mnist.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/process.h"

namespace fedgate::testing {
namespace {

const char* const kDataDir = "/usr/share/datasets/fashion-mnist";

bool have_dataset() {
  struct stat info;
  return stat((std::string(kDataDir) + "/train-images-idx3-ubyte.gz").c_str(), &info) == 0;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Peers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // fedgate-keygen DIR/NAME; returns the public key it printed.
  std::string keygen(const std::string& name) {
    Process keygen(FEDGATE_KEYGEN_BIN, {dir_ + "/" + name}, dir_ + "/keygen-" + name + ".log");
    EXPECT_EQ(keygen.wait(10), 0) << read_file(keygen.output_path());
    const auto lines = lines_starting_with(read_file(keygen.output_path()), dir_ + "/" + name);
    if (lines.size() != 2) return "";
    return lines[1].substr(lines[1].rfind(' ') + 1);
  }

  std::unique_ptr<Process> start_coordinator(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        "--bind",    "tcp://127.0.0.1:*",     "--endpoint-file", dir_ + "/endpoint",
        "--metrics", dir_ + "/metrics.jsonl", "--min-clients",   "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto coordinator =
        std::make_unique<Process>(FEDGATE_COORDINATOR_BIN, args, dir_ + "/coordinator.log");
    endpoint_ = wait_for_line(dir_ + "/endpoint", 30);
    EXPECT_FALSE(endpoint_.empty()) << read_file(dir_ + "/coordinator.log");
    return coordinator;
  }

  std::unique_ptr<Process> start_client(const std::string& log, std::vector<std::string> extra) {
    std::vector<std::string> args = {"--connect", endpoint_, "--data-dir", kDataDir};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(FEDGATE_CLIENT_BIN, args, dir_ + "/" + log);
  }

  std::string dir_;
  std::string endpoint_;
};

TEST_F(Peers, KeygenWritesAPairOnceAndExplainsItself) {
  const std::string key = keygen("board");
  EXPECT_EQ(key.size(), 40u);
  struct stat info = {};
  ASSERT_EQ(stat((dir_ + "/board.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  Process again(FEDGATE_KEYGEN_BIN, {dir_ + "/board"}, dir_ + "/again.log");
  EXPECT_EQ(again.wait(10), 1);
  EXPECT_TRUE(contains(read_file(again.output_path()), "board.key"))
      << read_file(dir_ + "/again.log");
  Process help(FEDGATE_KEYGEN_BIN, {"--help"}, dir_ + "/help.log");
  EXPECT_EQ(help.wait(10), 0);
  EXPECT_TRUE(contains(read_file(help.output_path()), "curve_authorized_keys"));
}

// About 10 s: the refused clients give up after 4 s of silence.
TEST_F(Peers, WithCurveOnlyAllowListedKeysGetInAndTheKeyIsTheClientsId) {
  if (!have_dataset()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  keygen("server");
  const std::string alice = keygen("alice");
  const std::string mallory = keygen("mallory");
  std::filesystem::create_directory(dir_ + "/allowed");
  std::filesystem::copy_file(dir_ + "/alice.pub", dir_ + "/allowed/alice.pub");
  auto coordinator = start_coordinator(
      {"--max-versions", "300", "--set", "server.curve_secret_key_file=\"" + dir_ + "/server.key\"",
       "--set", "server.curve_authorized_keys=\"" + dir_ + "/allowed\""});
  ASSERT_FALSE(endpoint_.empty());
  const std::string server_pub = dir_ + "/server.pub";
  // Refused peers first, so they are turned away while the run is on.
  auto intruder = start_client(
      "mallory.log", {"--name", "alice", "--curve-server-key", server_pub, "--curve-key-file",
                      dir_ + "/mallory.key", "--give-up-after", "4"});
  auto plain = start_client("plain.log", {"--name", "plain", "--give-up-after", "4"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto client = start_client("alice.log", {"--name", "alice", "--curve-server-key", server_pub,
                                           "--curve-key-file", dir_ + "/alice.key"});

  ASSERT_EQ(coordinator->wait(60), 0) << read_file(dir_ + "/coordinator.log");
  EXPECT_EQ(client->wait(30), 0) << read_file(dir_ + "/alice.log");
  EXPECT_EQ(intruder->wait(30), 3) << read_file(dir_ + "/mallory.log");
  EXPECT_EQ(plain->wait(30), 3) << read_file(dir_ + "/plain.log");

  const std::string log = read_file(dir_ + "/coordinator.log");
  EXPECT_TRUE(contains(log, "public key " + mallory + " is not in server.curve_authorized_keys"))
      << log;
  EXPECT_TRUE(contains(log, "refused a connection: its handshake failed")) << log;
  const auto peers = last_line_fields(log, "peers:");
  EXPECT_EQ(peers.count("curve") ? peers.at("curve") : "", "on") << log;
  EXPECT_GE(std::stoi(peers.count("refused_keys") ? peers.at("refused_keys") : "0"), 1) << log;
  EXPECT_GE(std::stoi(peers.count("failed_handshakes") ? peers.at("failed_handshakes") : "0"), 1)
      << log;
  // The coordinator knows the client by its key, whatever name it claims.
  const RunMetrics run = read_run_metrics(dir_ + "/metrics.jsonl");
  ASSERT_EQ(run.summaries.size(), 1u) << run.text;
  EXPECT_TRUE(contains(run.summaries[0], "\"" + alice + "\"")) << run.summaries[0];
  EXPECT_EQ(json_number(run.summaries[0], "version"), 300);
}

// About 10 s. Before, the second connection took the name's routing id over and locked the
// first client out for good.
TEST_F(Peers, ASecondClientUnderANameInUseIsRefusedAndTheFirstCarriesOn) {
  if (!have_dataset()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto coordinator = start_coordinator(
      {"--max-seconds", "10", "--set", "server.heartbeat_ms=100", "--set", "run.eval_every=50"});
  ASSERT_FALSE(endpoint_.empty());
  auto first = start_client("first.log", {"--name", "pi", "--give-up-after", "20"});
  // Wait until the first one trains (evaluations past the initial one).
  for (int i = 0; i < 300 && read_run_metrics(dir_ + "/metrics.jsonl").evals.size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(read_run_metrics(dir_ + "/metrics.jsonl").evals.size(), 3u)
      << read_file(dir_ + "/coordinator.log");
  auto second = start_client("second.log", {"--name", "pi", "--give-up-after", "20"});
  EXPECT_EQ(second->wait(20), 4) << read_file(dir_ + "/second.log");
  EXPECT_TRUE(contains(read_file(dir_ + "/second.log"), "already connected"))
      << read_file(dir_ + "/second.log");
  const size_t evals_at_refusal = read_run_metrics(dir_ + "/metrics.jsonl").evals.size();

  ASSERT_EQ(coordinator->wait(30), 0) << read_file(dir_ + "/coordinator.log");
  // The first client got the coordinator's Bye (it would give up, status 3, otherwise).
  EXPECT_EQ(first->wait(30), 0) << read_file(dir_ + "/first.log");
  const std::string log = read_file(dir_ + "/coordinator.log");
  EXPECT_TRUE(contains(log, "refused a second connection")) << log;
  const auto peers = last_line_fields(log, "peers:");
  EXPECT_GE(std::stoi(peers.count("duplicates") ? peers.at("duplicates") : "0"), 1) << log;
  // ... and kept training after the refusal.
  const RunMetrics run = read_run_metrics(dir_ + "/metrics.jsonl");
  EXPECT_GT(run.evals.size(), evals_at_refusal + 1) << run.text;
}

}  // namespace
}  // namespace fedgate::testing
