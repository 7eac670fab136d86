// End-to-end: a real coordinator and real clients, as separate processes, over
// ZeroMQ on loopback (ports chosen by the OS), training softmax regression on
// Fashion-MNIST. Needs Debian's dataset-fashion-mnist (scripts/setup installs it).
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/protocol/aligned_message.h"
#include "core/protocol/codec.h"
#include "tests/integration/learning.h"
#include "tests/integration/process.h"

namespace fedgate::testing {
namespace {

const char* const kDataDir = "/usr/share/datasets/fashion-mnist";

bool have_dataset() {
  struct stat info;
  return stat((std::string(kDataDir) + "/train-images-idx3-ubyte.gz").c_str(), &info) == 0;
}

// heartbeat_ms sets how soon clients give up on a silent coordinator (3 periods).
std::vector<std::string> coordinator_args(const std::string& dir, const std::string& bind,
                                          std::vector<std::string> extra, int heartbeat_ms = 1000) {
  std::vector<std::string> args = {
      "--bind",          bind,
      "--endpoint-file", dir + "/endpoint",
      "--metrics",       dir + "/metrics.jsonl",
      "--set",           "run.eval_every=100",
      "--set",           "server.heartbeat_ms=" + std::to_string(heartbeat_ms)};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string> client_args(const std::string& endpoint, int index, int clients) {
  return {"--connect",           endpoint,     "--clients", std::to_string(clients), "--index",
          std::to_string(index), "--data-dir", kDataDir};
}

class Federation : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_dataset()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    dir_ = make_temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  // Runs a coordinator with `extra` arguments and `count` clients until the
  // coordinator stops and every client has exited 0; collects each client's
  // summary line.
  void run_fleet(const std::vector<std::string>& extra, int count,
                 std::vector<std::string>* client_summaries) {
    Process coordinator(FEDGATE_COORDINATOR_BIN, coordinator_args(dir_, "tcp://127.0.0.1:*", extra),
                        dir_ + "/coordinator.log");
    const std::string endpoint = wait_for_line(dir_ + "/endpoint", 30);
    ASSERT_FALSE(endpoint.empty()) << read_file(dir_ + "/coordinator.log");
    std::vector<std::unique_ptr<Process>> clients;
    for (int i = 0; i < count; ++i) {
      clients.push_back(std::make_unique<Process>(FEDGATE_CLIENT_BIN,
                                                  client_args(endpoint, i, count),
                                                  dir_ + "/client" + std::to_string(i) + ".log"));
    }
    ASSERT_EQ(coordinator.wait(180), 0) << read_file(dir_ + "/coordinator.log");
    for (auto& client : clients) {
      const std::string output = client->output_path();
      EXPECT_EQ(client->wait(30), 0) << read_file(output);
      const auto lines = event_lines(read_file(output), "client_summary");
      ASSERT_EQ(lines.size(), 1u) << read_file(output);
      client_summaries->push_back(lines[0]);
    }
  }

  std::string dir_;
};

TEST_F(Federation, ThreeClientsTrainAndTheCountersAddUp) {
  constexpr int kClients = 3;
  std::vector<std::string> client_summaries;
  // The starvation guard (on by default under a norm rule) stays off here, as
  // this run was made: it counts exactly what the norm rule alone decides.
  ASSERT_NO_FATAL_FAILURE(
      run_fleet({"--max-versions", "600", "--min-clients", "3", "--set",
                 "acceptance.policy=norm-ratio-exact", "--set", "acceptance.starvation_limit=0"},
                kClients, &client_summaries));

  const RunMetrics run = read_run_metrics(dir_ + "/metrics.jsonl");
  const std::string& metrics = run.text;
  const auto& evals = run.evals;
  const auto& summaries = run.summaries;
  ASSERT_GE(evals.size(), 3u) << metrics;
  ASSERT_EQ(summaries.size(), 1u) << metrics;
  const std::string& summary = summaries[0];

  // Learning happened: accuracy rose from chance to past a floor.
  expect_learned(run, 0.70);
  EXPECT_EQ(json_number(summary, "version"), 600);
  // No client lost track of the coordinator (that would make the counts below differ).
  expect_clean_summary(summary, 600, kClients);
  // Every offer was decided one way or the other.
  const double offers = json_number(summary, "offers");
  EXPECT_EQ(offers, json_number(summary, "accepts") + json_number(summary, "rejects"));

  // What the clients counted matches what the coordinator counted.
  double sent = 0, received = 0, client_accepts = 0, client_offers = 0;
  const double largest_message = 7850 * 4 + kMessageOverhead;  // a dense update
  for (const std::string& line : client_summaries) {
    sent += json_number(line, "bytes_sent");
    received += json_number(line, "bytes_received");
    client_accepts += json_number(line, "accepts");
    client_offers += json_number(line, "offers");
    EXPECT_GT(json_number(line, "updates"), 0) << "client never contributed";
  }
  // Downlink is exact: the coordinator's Bye is the last thing each client reads.
  EXPECT_EQ(received, json_number(summary, "bytes_down"));
  EXPECT_EQ(client_accepts, json_number(summary, "accepts"));
  // Uplink: a client may have sent one offer and one update after the
  // coordinator's last read; nothing else may go missing or be invented.
  const double up = json_number(summary, "bytes_up");
  EXPECT_LE(up, sent);
  EXPECT_LE(sent - up, kClients * (largest_message + 64));
  EXPECT_GE(client_offers, offers);
  EXPECT_LE(client_offers - offers, kClients);
}

// The client-side policies end to end: the coordinator's config picks LAG with
// top-k, Config carries them, the clients skip and send sparse updates, the
// coordinator decodes them.
TEST_F(Federation, LazyClientsWithTopKTrainOverTheWire) {
  std::vector<std::string> client_summaries;
  ASSERT_NO_FATAL_FAILURE(run_fleet(
      {"--max-versions", "400", "--min-clients", "3", "--set", "acceptance.policy=accept-all",
       "--set", "trigger.policy=lag", "--set", "trigger.lag.workers=3", "--set",
       "compression.policy=topk", "--set", "compression.topk.fraction=0.1"},
      3, &client_summaries));
  const RunMetrics run = read_run_metrics(dir_ + "/metrics.jsonl");
  ASSERT_EQ(run.summaries.size(), 1u) << run.text;
  const std::string& summary = run.summaries[0];
  EXPECT_EQ(json_number(summary, "errors"), 0) << run.text;
  EXPECT_EQ(json_number(summary, "offers"), 0);  // lag sends without offering
  EXPECT_EQ(json_number(summary, "updates"), 400);
  EXPECT_GT(json_number(summary, "skips"), 0);
  EXPECT_GT(json_number(summary, "accuracy"), 0.5);
  // h = 0.1 keeps 784 + 1 values with their indices, 6.3 KB against a dense
  // 31.4 KB: all uplink bytes per applied update stay under a quarter of dense.
  EXPECT_LT(json_number(summary, "bytes_up") / json_number(summary, "updates"), 7850.0) << summary;
  double client_skips = 0;
  for (const std::string& line : client_summaries) client_skips += json_number(line, "skips");
  EXPECT_GE(client_skips, json_number(summary, "skips"));
}

// The compressed downlink end to end (docs/protocol.md, "Model downlink
// encodings"): every model after the first is an int8 delta against what the
// client holds; the clients apply them in place and still train, and no chunk
// fails its CRC (a client that drifted from the coordinator's copy would).
TEST_F(Federation, ClientsTrainOnInt8DeltaModels) {
  std::vector<std::string> client_summaries;
  ASSERT_NO_FATAL_FAILURE(
      run_fleet({"--max-versions", "600", "--min-clients", "3", "--set",
                 "acceptance.policy=accept-all", "--set", "downlink.codec=int8-delta"},
                3, &client_summaries));
  const RunMetrics run = read_run_metrics(dir_ + "/metrics.jsonl");
  ASSERT_EQ(run.summaries.size(), 1u) << run.text;
  const std::string& summary = run.summaries[0];
  expect_learned(run, 0.70);
  expect_clean_summary(summary, 600, 3);
  // A dense model is 31.4 KB in 4 chunks; an int8 delta about a quarter of it.
  const double models = json_number(summary, "model_sends");
  EXPECT_LT(json_number(summary, "bytes_down") / models, 7850.0 * 4 / 3) << summary;
  for (const std::string& line : client_summaries) {
    EXPECT_EQ(json_number(line, "discarded"), 0) << line;
    EXPECT_GT(json_number(line, "updates"), 0) << line;
  }
}

TEST_F(Federation, ClientSurvivesACoordinatorRestart) {
  // First coordinator: runs until killed.
  auto first = std::make_unique<Process>(
      FEDGATE_COORDINATOR_BIN, coordinator_args(dir_, "tcp://127.0.0.1:*", {"--quiet"}, 200),
      dir_ + "/first.log");
  const std::string endpoint = wait_for_line(dir_ + "/endpoint", 30);
  ASSERT_FALSE(endpoint.empty()) << read_file(dir_ + "/first.log");
  Process client(FEDGATE_CLIENT_BIN, client_args(endpoint, 0, 2), dir_ + "/client.log");

  // Let it train for a while, then kill the coordinator without a Bye.
  bool trained = false;
  for (int i = 0; i < 300 && !trained; ++i) {
    trained = read_run_metrics(dir_ + "/metrics.jsonl").evals.size() >= 2;  // version 100
    usleep(50000);
  }
  ASSERT_TRUE(trained) << read_file(dir_ + "/first.log");
  first->signal(SIGKILL);
  first->wait(10);
  first.reset();
  ASSERT_TRUE(client.running());

  // Second coordinator on the same endpoint: the client must find it again.
  unlink((dir_ + "/endpoint").c_str());
  Process second(FEDGATE_COORDINATOR_BIN,
                 coordinator_args(dir_, endpoint, {"--max-versions", "150"}, 200),
                 dir_ + "/second.log");
  ASSERT_EQ(second.wait(120), 0) << read_file(dir_ + "/second.log");
  ASSERT_EQ(client.wait(30), 0) << read_file(dir_ + "/client.log");
  const auto lines = event_lines(read_file(dir_ + "/client.log"), "client_summary");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_GE(json_number(lines[0], "registrations"), 2);
  EXPECT_GT(json_number(lines[0], "updates"), 150);  // contributions to both coordinators
  const auto summary = read_run_metrics(dir_ + "/metrics.jsonl").summaries;
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(json_number(summary[0], "updates"), 150);
}

TEST_F(Federation, BadInputOnTheWireIsAnsweredAndTheCoordinatorKeepsServing) {
  Process coordinator(FEDGATE_COORDINATOR_BIN,
                      coordinator_args(dir_, "tcp://127.0.0.1:*", {"--quiet"}),
                      dir_ + "/coordinator.log");
  const std::string endpoint = wait_for_line(dir_ + "/endpoint", 30);
  ASSERT_FALSE(endpoint.empty()) << read_file(dir_ + "/coordinator.log");

  zmq::context_t context(1);
  AlignedMessage aligned;
  auto error_code_of = [&aligned](const zmq::message_t& reply) {
    wire::ErrorCode error;
    const wire::Envelope* envelope =
        verify_envelope(aligned.view(reply.data(), reply.size()), &error);
    if (envelope == nullptr || envelope->message_type() != wire::Message::Error) {
      return wire::ErrorCode::None;
    }
    return envelope->message_as_Error()->code();
  };
  auto connect = [&](const std::string& id) {
    auto socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
    socket->set(zmq::sockopt::routing_id, id);
    socket->set(zmq::sockopt::rcvtimeo, 10000);
    socket->set(zmq::sockopt::linger, 0);
    socket->connect(endpoint);
    return socket;
  };

  auto probe = connect("probe");
  const std::string foreign = "this is not a flatbuffer";
  probe->send(zmq::buffer(foreign));
  zmq::message_t reply;
  ASSERT_TRUE(probe->recv(reply));
  EXPECT_EQ(error_code_of(reply), wire::ErrorCode::WrongIdentifier);

  // The right identifier in front of garbage offsets.
  const uint8_t mangled[] = {0xf0, 0xff, 0, 0, 'F', 'G', 'T', '1', 1, 2, 3, 4, 5, 6, 7, 8};
  probe->send(zmq::buffer(mangled, sizeof(mangled)));
  ASSERT_TRUE(probe->recv(reply));
  EXPECT_EQ(error_code_of(reply), wire::ErrorCode::Unverifiable);

  // Larger than the coordinator's limit (a dense update) but under libzmq's.
  std::vector<uint8_t> large(7850 * 4 + 4096, 0x42);
  probe->send(zmq::buffer(large));
  ASSERT_TRUE(probe->recv(reply));
  EXPECT_EQ(error_code_of(reply), wire::ErrorCode::MessageTooLarge);

  // Over libzmq's ZMQ_MAXMSGSIZE: the connection is dropped, nothing else.
  auto flood = connect("flood");
  std::vector<uint8_t> huge(8 * 1024 * 1024, 0x42);
  flood->send(zmq::buffer(huge));
  usleep(300000);
  EXPECT_TRUE(coordinator.running());

  // A proper client is still served.
  auto good = connect("good");
  std::vector<uint8_t> arena(4096);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  HelloInfo hello;
  hello.num_features = 784;
  hello.num_classes = 10;
  hello.name = "good";
  auto bytes = writer.hello(1, hello);
  ASSERT_TRUE(bytes.is_ok());
  good->send(zmq::buffer(bytes->data(), bytes->size()));
  ASSERT_TRUE(good->recv(reply));
  wire::ErrorCode error;
  const wire::Envelope* envelope =
      verify_envelope(aligned.view(reply.data(), reply.size()), &error);
  ASSERT_NE(envelope, nullptr);
  EXPECT_EQ(envelope->message_type(), wire::Message::Config);

  coordinator.signal(SIGTERM);
  EXPECT_EQ(coordinator.wait(20), 0);
  const auto summary = read_run_metrics(dir_ + "/metrics.jsonl").summaries;
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(json_number(summary[0], "errors"), 3);
  EXPECT_EQ(json_number(summary[0], "version"), 0);
}

TEST_F(Federation, ClientWithOtherDataIsRefusedAtHello) {
  Process coordinator(FEDGATE_COORDINATOR_BIN,
                      coordinator_args(dir_, "tcp://127.0.0.1:*", {"--quiet"}),
                      dir_ + "/coordinator.log");
  const std::string endpoint = wait_for_line(dir_ + "/endpoint", 30);
  ASSERT_FALSE(endpoint.empty());
  // A 3-feature CSV dataset against the 784-feature model.
  const std::string csv = dir_ + "/tiny.csv";
  {
    std::ofstream out(csv);
    out << "label,a,b,c\n";
    for (int i = 0; i < 20; ++i) out << i % 10 << "," << i << ",1,2\n";
  }
  Process client(FEDGATE_CLIENT_BIN, {"--connect", endpoint, "--csv", csv}, dir_ + "/client.log");
  const int status = client.wait(30);
  EXPECT_NE(status, 0);
  const std::string log = read_file(dir_ + "/client.log");
  EXPECT_NE(log.find("3 features"), std::string::npos) << log;
  coordinator.signal(SIGTERM);
  EXPECT_EQ(coordinator.wait(20), 0);
}

}  // namespace
}  // namespace fedgate::testing
