// The attacks of issue 11 section 4 against a real coordinator with 4 real
// clients training Fashion-MNIST softmax, over real ZeroMQ sockets on loopback
// (docs/security.md, "Limits"). Label `attack`; about a minute on two cores.
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/attack/hostile_peer.h"
#include "tests/integration/learning.h"
#include "tests/integration/process.h"

namespace fedgate::testing {
namespace {

const char* const kDataDir = "/usr/share/datasets/fashion-mnist";
constexpr int kRealClients = 4;
constexpr uint32_t kDim = 7850;

bool have_dataset() {
  struct stat info;
  return stat((std::string(kDataDir) + "/train-images-idx3-ubyte.gz").c_str(), &info) == 0;
}

// A /proc/PID/status field in kB (VmRSS, VmHWM), or -1.
int64_t status_kb(pid_t pid, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.compare(0, key.size() + 1, key + ":") == 0)
      return std::stoll(line.substr(key.size() + 1));
  }
  return -1;
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Waits until the metrics file has an evaluation at `version` or later.
bool wait_for_version(const std::string& metrics_path, double version, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    const RunMetrics run = read_run_metrics(metrics_path);
    if (!run.evals.empty() && json_number(run.evals.back(), "version") >= version) return true;
    sleep_ms(50);
  }
  return false;
}

// Test accuracy averaged over the last `count` evaluations: one evaluation of
// constant-stepsize SGD moves by about 0.015 from the next.
double late_accuracy(const RunMetrics& run, size_t count) {
  double sum = 0;
  size_t used = 0;
  for (size_t i = run.evals.size(); i > 0 && used < count; --i, ++used) {
    sum += json_number(run.evals[i - 1], "accuracy");
  }
  return used == 0 ? 0 : sum / static_cast<double>(used);
}

// A metrics line without its per-client table, for failure messages.
std::string without_clients(const std::string& line) {
  return line.substr(0, line.find("\"clients\":"));
}

nlohmann::json limits_of(const std::string& summary) { return parse_json(summary).at("limits"); }

struct RunResult {
  RunMetrics metrics;
  std::string log;
  int64_t rss_before_kb = -1;  // once training is under way, before any attack
  int64_t hwm_after_kb = -1;   // the peak, read after the attacks
};

class Attack : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_dataset()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }

  uint32_t stop_at_version_ = 0;

  // A coordinator and 4 real clients until max_versions (or, when
  // stop_at_version_ is set, until that version after the attack); `attack`
  // runs with the endpoint and the coordinator's pid once version 400 is evaluated.
  void run(const std::string& name, const std::vector<std::string>& extra,
           const std::function<void(const std::string&, pid_t)>& attack, RunResult* result) {
    const std::string dir = make_temp_dir(name);
    std::vector<std::string> args = {
        "--bind",    "tcp://127.0.0.1:*",    "--endpoint-file", dir + "/endpoint",
        "--metrics", dir + "/metrics.jsonl", "--min-clients",   std::to_string(kRealClients),
        "--set",     "run.eval_every=200"};
    args.insert(args.end(), extra.begin(), extra.end());
    Process coordinator(FEDGATE_COORDINATOR_BIN, args, dir + "/coordinator.log");
    const std::string endpoint = wait_for_line(dir + "/endpoint", 30);
    ASSERT_FALSE(endpoint.empty()) << read_file(dir + "/coordinator.log");
    std::vector<std::unique_ptr<Process>> clients;
    clients.reserve(kRealClients);
    for (int i = 0; i < kRealClients; ++i) {
      clients.push_back(std::make_unique<Process>(
          FEDGATE_CLIENT_BIN,
          std::vector<std::string>{"--connect", endpoint, "--clients", std::to_string(kRealClients),
                                   "--index", std::to_string(i), "--data-dir", kDataDir},
          dir + "/client" + std::to_string(i) + ".log"));
    }
    ASSERT_TRUE(wait_for_version(dir + "/metrics.jsonl", 400, 60))
        << read_file(dir + "/coordinator.log");
    result->rss_before_kb = status_kb(coordinator.pid(), "VmRSS");
    if (attack) attack(endpoint, coordinator.pid());
    // However long the attacks took on this machine, the run goes on to
    // stop_at_version_ and only then is stopped (SIGTERM writes the summary).
    if (stop_at_version_ > 0) {
      EXPECT_TRUE(wait_for_version(dir + "/metrics.jsonl", stop_at_version_, 120))
          << read_file(dir + "/coordinator.log");
    }
    result->hwm_after_kb = status_kb(coordinator.pid(), "VmHWM");
    if (stop_at_version_ > 0) coordinator.signal(SIGTERM);
    EXPECT_EQ(coordinator.wait(120), 0) << read_file(dir + "/coordinator.log");
    for (auto& client : clients) EXPECT_EQ(client->wait(30), 0) << read_file(client->output_path());
    result->metrics = read_run_metrics(dir + "/metrics.jsonl");
    result->log = read_file(dir + "/coordinator.log");
  }
};

// Every attack of issue 11 section 4 at once, next to an unattacked run.
TEST_F(Attack, EveryAttackLeavesTheModelFiniteTheAccuracyAndTheMemory) {
  const std::vector<std::string> settings = {"--max-versions", "8000",
                                             "--set",          "server.heartbeat_ms=500",
                                             "--set",          "limits.client_timeout_heartbeats=4",
                                             "--set",          "limits.max_clients=300"};
  RunResult clean;
  ASSERT_NO_FATAL_FAILURE(run("clean", settings, nullptr, &clean));
  ASSERT_EQ(clean.metrics.summaries.size(), 1u) << clean.log;

  std::atomic<uint64_t> flooded{0};
  wire::ErrorCode tiny_error = wire::ErrorCode::None, late_error = wire::ErrorCode::None;
  std::string odd_error_text;
  size_t poison_accepted = 0;
  int64_t hwm_during_kb = -1;
  size_t long_refused = 0, ghosts_refused = 0, ghosts_registered = 0;
  auto attack = [&](const std::string& endpoint, pid_t pid) {
    zmq::context_t context(1);
    // What needs answers comes first, while the run is young.
    // Poison: 10 updates of norm 1000, then 25 with one coordinate at 3e38.
    HostilePeer poisoner(context, endpoint, "poisoner");
    poisoner.hello("poisoner");
    poisoner.pump(3000, wire::Message::ModelChunk);
    for (int i = 0; i < 35; ++i) {
      const bool huge = i >= 10;
      poisoner.pump(5);  // the newest model
      const uint32_t version = poisoner.version();
      std::vector<float> values(kDim, 0.0f);
      values[(i * 797) % kDim] = huge ? 3e38f : 1000.0f;
      poisoner.offer(version, huge ? 3e38f : 1000.0f);
      if (!poisoner.pump(2000, wire::Message::Decision) || !poisoner.accepted()) continue;
      ++poison_accepted;
      poisoner.update(version, values);
      poisoner.pump(2000, wire::Message::ModelChunk);
    }
    // Late update: an accepted offer whose Update comes 1.2 s (hundreds of versions)
    // later, before the peer's silence expires it (4 heartbeats of 500 ms).
    HostilePeer late(context, endpoint, "late");
    late.hello("late");
    late.pump(3000, wire::Message::ModelChunk);
    late.pump(5);
    late.offer(late.version(), 100.0f);
    if (late.pump(2000, wire::Message::Decision) && late.accepted()) {
      sleep_ms(1200);
      std::vector<float> values(kDim, 0.0f);
      values[0] = 100.0f;
      late.update(late.version(), values);
      late.pump(2000, wire::Message::Error);
      late_error = late.last_error();
    }
    // A routing id with control bytes, before Hello.
    HostilePeer odd(context, endpoint, std::string("\x01odd\xff\n", 6));
    odd.offer(0, 1.0f);
    odd.pump(2000, wire::Message::Error);
    odd_error_text = odd.last_error_text();
    // Memory: one-float chunks (max_message_bytes 516), then 300 ModelRequests.
    HostilePeer tiny(context, endpoint, "tiny");
    tiny.hello("tiny", 516);
    tiny.pump(2000, wire::Message::Error);
    tiny_error = tiny.last_error();
    for (int i = 0; i < 300; ++i) tiny.model_request();
    // Memory: a peer that never reads asks for the model 300 times.
    HostilePeer sink(context, endpoint, "sink", /*receive_hwm=*/1, /*receive_buffer=*/4096);
    sink.hello("sink");
    for (int i = 0; i < 300; ++i) sink.model_request();
    // Memory: three connections sending a multipart message that never ends
    // (a little apart: libzmq resets some that connect at the same moment).
    std::vector<std::thread> floods;
    floods.reserve(3);
    for (int i = 0; i < 3; ++i) {
      floods.emplace_back([&, i] {
        sleep_ms(300 * i);
        flooded += flood_unfinished_message(endpoint, 64 * 1024, 1.5);
      });
    }
    for (auto& flood : floods) flood.join();
    // Ghosts: 200 Hellos with 30 KB names, 600 registrations that then go silent.
    {
      std::vector<std::unique_ptr<HostilePeer>> ghosts;
      for (int i = 0; i < 200; ++i) {
        ghosts.push_back(
            std::make_unique<HostilePeer>(context, endpoint, "long-" + std::to_string(i)));
        ghosts.back()->hello(std::string(30000, 'g'));
      }
      for (int i = 0; i < 600; ++i) {
        ghosts.push_back(
            std::make_unique<HostilePeer>(context, endpoint, "ghost-" + std::to_string(i)));
        ghosts.back()->hello("ghost-" + std::to_string(i));
      }
      // Until each has its answer (Config or Error), or 10 s.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      for (auto& ghost : ghosts) {
        while (ghost->received() == 0 && std::chrono::steady_clock::now() < deadline) {
          ghost->pump(10);
        }
      }
      for (size_t i = 0; i < ghosts.size(); ++i) {
        const bool refused = ghosts[i]->last_error() != wire::ErrorCode::None;
        if (i < 200 && ghosts[i]->last_error() == wire::ErrorCode::MessageTooLarge) ++long_refused;
        if (i >= 200 && refused) ++ghosts_refused;
        if (i >= 200 && ghosts[i]->has_model()) ++ghosts_registered;
      }
    }
    hwm_during_kb = status_kb(pid, "VmHWM");
  };
  // The attacked run must outlive the attacks: it has no version bound of its
  // own and is stopped at the clean run's 8,000 versions or after the attacks.
  std::vector<std::string> attacked_settings = settings;
  attacked_settings[1] = "1000000";
  stop_at_version_ = 8000;
  RunResult attacked;
  ASSERT_NO_FATAL_FAILURE(run("attacked", attacked_settings, attack, &attacked));
  ASSERT_EQ(attacked.metrics.summaries.size(), 1u) << attacked.log;
  const std::string& summary = attacked.metrics.summaries[0];
  const std::string counters = without_clients(summary);

  // The model stays finite and learns as well as without the attacks.
  const double clean_accuracy = late_accuracy(clean.metrics, 10);
  const double attacked_accuracy = late_accuracy(attacked.metrics, 10);
  std::cout << "accuracy over the last 10 evaluations: unattacked " << clean_accuracy
            << ", attacked " << attacked_accuracy << "\n";
  EXPECT_GT(clean_accuracy, 0.7) << clean.metrics.text;
  EXPECT_GE(attacked_accuracy, clean_accuracy - 0.02) << counters;
  EXPECT_TRUE(std::isfinite(json_number(summary, "loss"))) << counters;
  EXPECT_EQ(parse_json(summary).at("health"), "ok") << counters;

  // The coordinator's memory: the peak after the attacks against the RSS before.
  const double growth_mb =
      static_cast<double>(attacked.hwm_after_kb - attacked.rss_before_kb) / 1024;
  std::cout << "coordinator RSS before the attacks " << attacked.rss_before_kb / 1024
            << " MB, peak after " << hwm_during_kb / 1024 << " MB (growth " << growth_mb
            << " MB); flooders got " << flooded.load() / (1 << 20) << " MB through\n";
  EXPECT_GT(attacked.rss_before_kb, 0);
  // A coordinator that ended before the attacks did has no peak to read, and
  // the growth check below would pass on -1.
  EXPECT_GT(attacked.hwm_after_kb, 0) << "the run ended before the attacks: " << counters;
  EXPECT_LT(growth_mb, 50.0);

  // Each limit answered its attack.
  const nlohmann::json limits = limits_of(summary);
  std::cout << "limits: " << limits.dump() << "\n";
  // libzmq itself resets some flooding connections; the guard drops the others.
  EXPECT_GE(limits.at("peers_dropped").get<double>(), 1) << counters;
  EXPECT_GE(limits.at("model_requests_coalesced").get<double>(), 290) << counters;
  EXPECT_EQ(tiny_error, wire::ErrorCode::MessageTooLarge);
  // 200 long names, the tiny chunks, and most ghosts beyond max_clients (300).
  EXPECT_EQ(long_refused, 200u);
  EXPECT_LE(ghosts_registered, 300u);
  EXPECT_GE(ghosts_refused, 600u - 300u);
  EXPECT_GE(limits.at("registrations_refused").get<double>(), 201 + 300) << counters;
  EXPECT_GE(limits.at("clients_expired").get<double>(), 200) << counters;
  EXPECT_GT(poison_accepted, 10u);
  EXPECT_GE(limits.at("norm_clipped").get<double>(), 10) << counters;
  EXPECT_EQ(late_error, wire::ErrorCode::VersionOutsideWindow);
  EXPECT_GE(limits.at("late_refused").get<double>(), 1) << counters;
  // The routing id is escaped in what the coordinator says, and its log holds no control bytes.
  EXPECT_NE(odd_error_text.find("\\x01odd\\xff\\x0a"), std::string::npos) << odd_error_text;
  for (char c : attacked.log) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_FALSE(byte < 0x20 && c != '\n' && c != '\t') << "control byte in the log";
    if (byte < 0x20 && c != '\n' && c != '\t') break;
  }
}

// 1,000 registered synthetic clients, each offering about once a second, beside
// 4 real ones: the real ones keep training. Reports RSS and decisions per second.
TEST_F(Attack, ThousandSyntheticClientsBesideFourRealOnes) {
  constexpr int kSynthetic = 1000;
  double decisions_per_s = 0;
  int64_t rss_kb = -1;
  size_t synthetic_decisions = 0;
  auto fleet = [&](const std::string& endpoint, pid_t pid) {
    zmq::context_t context(1);
    context.set(zmq::ctxopt::max_sockets, 4 * kSynthetic);
    std::vector<std::unique_ptr<HostilePeer>> peers;
    for (int i = 0; i < kSynthetic; ++i) {
      peers.push_back(
          std::make_unique<HostilePeer>(context, endpoint, "synthetic-" + std::to_string(i)));
      peers.back()->hello("synthetic-" + std::to_string(i));
    }
    std::vector<size_t> offered_at(kSynthetic, 0);  // decisions() when it last offered
    std::vector<std::chrono::steady_clock::time_point> last(kSynthetic);
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      const auto now = std::chrono::steady_clock::now();
      // Halfway, with the whole fleet registered and offering.
      if (rss_kb < 0 && now - start > std::chrono::seconds(5)) rss_kb = status_kb(pid, "VmRSS");
      for (int i = 0; i < kSynthetic; ++i) {
        HostilePeer& peer = *peers[i];
        peer.pump(0);
        if (!peer.has_model() || now - last[i] < std::chrono::seconds(1)) continue;
        // One offer at a time: the previous one was decided (or is a second old).
        peer.offer(peer.version(), 0.01f);
        last[i] = now;
      }
      sleep_ms(5);
    }
    for (auto& peer : peers) synthetic_decisions += peer->decisions();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    decisions_per_s = static_cast<double>(synthetic_decisions) / seconds;
  };
  // The run outlives the fleet's 10 s however fast the machine trains: it is
  // stopped at version 5,000 or once the fleet is done.
  stop_at_version_ = 5000;
  RunResult result;
  ASSERT_NO_FATAL_FAILURE(run("fleet", {"--max-versions", "1000000"}, fleet, &result));
  ASSERT_EQ(result.metrics.summaries.size(), 1u) << result.log;
  const std::string& summary = result.metrics.summaries[0];
  const std::string counters = without_clients(summary);
  std::cout << "1,000 synthetic + 4 real clients: coordinator RSS " << rss_kb / 1024
            << " MB (before the fleet " << result.rss_before_kb / 1024 << " MB, peak "
            << result.hwm_after_kb / 1024 << " MB); synthetic decisions " << synthetic_decisions
            << " (" << decisions_per_s << "/s); run offers " << json_number(summary, "offers")
            << " in " << json_number(summary, "time_s") << " s\n";
  EXPECT_GE(json_number(summary, "hellos"), kRealClients + kSynthetic) << counters;
  EXPECT_GT(synthetic_decisions, static_cast<size_t>(kSynthetic)) << counters;
  EXPECT_GE(json_number(summary, "version"), 5000) << counters;
  EXPECT_GT(rss_kb, 0) << "the run ended before the fleet had offered for 5 s";
  EXPECT_GT(final_accuracy(result.metrics), 0.7) << counters;
}

}  // namespace
}  // namespace fedgate::testing
