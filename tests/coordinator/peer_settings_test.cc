// Who may connect (docs/security.md): CURVE key files, the allow-list, the
// transport settings, and the connection tracker that refuses a second
// connection under a client id in use.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/clock.h"
#include "coordinator/connection_tracker.h"
#include "coordinator/coordinator.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "coordinator/transport_security.h"
#include "coordinator/zmq_server.h"
#include "core/protocol/codec.h"
#include "curve/curve_key_file.h"

namespace fedgate {
namespace {

class KeyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/fedgate-keys-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CurveKeyPair make_pair(const std::string& name) {
    Result<CurveKeyPair> pair = generate_curve_key_pair();
    EXPECT_TRUE(pair.is_ok());
    EXPECT_TRUE(write_curve_key_files(dir_ + "/" + name, *pair).is_ok());
    return *pair;
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  static mode_t mode_of(const std::string& path) {
    struct stat info = {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 0777;
  }

  std::string dir_;
};

TEST_F(KeyFiles, KeygenWritesASecretKeyPairAndAPublicFileThatReadBack) {
  const CurveKeyPair pair = make_pair("server");
  EXPECT_TRUE(is_z85_key(pair.public_key));
  EXPECT_TRUE(is_z85_key(pair.secret_key));
  EXPECT_EQ(mode_of(dir_ + "/server.key"), 0600u);
  EXPECT_NE(mode_of(dir_ + "/server.pub") & 0400u, 0u);
  Result<CurveKeyPair> read = read_curve_key_pair(dir_ + "/server.key");
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(read->public_key, pair.public_key);
  EXPECT_EQ(read->secret_key, pair.secret_key);
  Result<std::string> pub = read_curve_public_key(dir_ + "/server.pub");
  ASSERT_TRUE(pub.is_ok());
  EXPECT_EQ(*pub, pair.public_key);
  // The secret file says nothing the public one should: no secret in the .pub.
  std::ifstream in(dir_ + "/server.pub");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find(pair.secret_key), std::string::npos);
}

TEST_F(KeyFiles, AnExistingKeyPairIsNeverOverwritten) {
  const CurveKeyPair first = make_pair("board");
  const CurveKeyPair second = *generate_curve_key_pair();
  const Status again = write_curve_key_files(dir_ + "/board", second);
  EXPECT_FALSE(again.is_ok());
  EXPECT_NE(std::string(again.message()).find("board.key"), std::string::npos) << again.message();
  EXPECT_EQ(read_curve_key_pair(dir_ + "/board.key")->secret_key, first.secret_key);
}

TEST_F(KeyFiles, BadFilesAreNamedWithTheLineAtFault) {
  const std::string bad = write("bad.pub", "# comment\npublic-key = \"too short\"\n");
  Result<std::string> key = read_curve_public_key(bad);
  ASSERT_FALSE(key.is_ok());
  EXPECT_NE(std::string(key.status().message()).find("bad.pub:2"), std::string::npos)
      << key.status().message();
  // A public key that belongs to another secret key.
  const CurveKeyPair a = make_pair("a");
  const CurveKeyPair b = make_pair("b");
  const std::string mixed = write("mixed.key", "public-key = \"" + a.public_key +
                                                   "\"\nsecret-key = \"" + b.secret_key + "\"\n");
  Result<CurveKeyPair> pair = read_curve_key_pair(mixed);
  ASSERT_FALSE(pair.is_ok());
  EXPECT_NE(std::string(pair.status().message()).find("does not belong"), std::string::npos);
  EXPECT_FALSE(read_curve_key_pair(dir_ + "/missing.key").is_ok());
}

TEST_F(KeyFiles, TheAllowListIsAFileOfKeysOrADirectoryOfPublicKeyFiles) {
  const CurveKeyPair a = make_pair("a");
  const CurveKeyPair b = make_pair("b");
  const std::string list = write(
      "clients.txt", "# boards\npublic-key = \"" + a.public_key + "\"\n" + b.public_key + "\n");
  Result<std::vector<std::string>> from_file = read_curve_allow_list(list);
  ASSERT_TRUE(from_file.is_ok()) << from_file.status().message();
  EXPECT_EQ(*from_file, (std::vector<std::string>{a.public_key, b.public_key}));

  std::filesystem::create_directory(dir_ + "/allowed");
  std::filesystem::copy_file(dir_ + "/b.pub", dir_ + "/allowed/b.pub");
  std::filesystem::copy_file(dir_ + "/a.pub", dir_ + "/allowed/a.pub");
  std::filesystem::copy_file(dir_ + "/a.key", dir_ + "/allowed/a.key");  // not a .pub: skipped
  Result<std::vector<std::string>> from_dir = read_curve_allow_list(dir_ + "/allowed");
  ASSERT_TRUE(from_dir.is_ok()) << from_dir.status().message();
  EXPECT_EQ(*from_dir, (std::vector<std::string>{a.public_key, b.public_key}));

  // A secret key has no place on the allow-list.
  Result<std::vector<std::string>> secret = read_curve_allow_list(dir_ + "/a.key");
  ASSERT_FALSE(secret.is_ok());
  EXPECT_NE(std::string(secret.status().message()).find("secret-key"), std::string::npos);
}

TEST_F(KeyFiles, TransportSecurityIsOffWithoutKeysAndNeedsBothKeys) {
  Result<TransportSecurity> off = load_transport_security("", "", 1000);
  ASSERT_TRUE(off.is_ok());
  EXPECT_FALSE(off->curve);
  EXPECT_EQ(off->duplicate_window_ms, 3000);

  make_pair("server");
  Result<TransportSecurity> half = load_transport_security(dir_ + "/server.key", "", 1000);
  ASSERT_FALSE(half.is_ok());
  EXPECT_NE(std::string(half.status().message()).find("server.curve_authorized_keys"),
            std::string::npos)
      << half.status().message();

  const std::string empty = write("empty.txt", "# nobody yet\n");
  Result<TransportSecurity> nobody = load_transport_security(dir_ + "/server.key", empty, 1000);
  ASSERT_FALSE(nobody.is_ok());
  EXPECT_NE(std::string(nobody.status().message()).find("no public key"), std::string::npos);

  const CurveKeyPair client = make_pair("client");
  Result<TransportSecurity> on =
      load_transport_security(dir_ + "/server.key", dir_ + "/client.pub", 200);
  ASSERT_TRUE(on.is_ok()) << on.status().message();
  EXPECT_TRUE(on->curve);
  EXPECT_EQ(on->authorized_keys, std::vector<std::string>{client.public_key});
  EXPECT_EQ(on->duplicate_window_ms, 600);
}

constexpr int64_t kWindowUs = 3'000'000;

TEST(ConnectionTracker, ASecondConnectionIsADuplicateWhileTheFirstIsOpenAndTalking) {
  ConnectionTracker tracker(kWindowUs);
  tracker.on_opened(7);
  tracker.on_opened(9);
  EXPECT_EQ(tracker.on_message("pi-1", 7, 0), ConnectionVerdict::kOwner);
  EXPECT_EQ(tracker.on_message("pi-1", 7, 1'000'000), ConnectionVerdict::kOwner);
  EXPECT_EQ(tracker.on_message("pi-1", 9, 2'000'000), ConnectionVerdict::kDuplicate);
  EXPECT_EQ(tracker.on_message("pi-1", 9, 2'100'000), ConnectionVerdict::kDuplicate);
  EXPECT_EQ(tracker.owner("pi-1"), 7);
  EXPECT_EQ(tracker.duplicates(), 2u);
  // Other ids are not affected.
  EXPECT_EQ(tracker.on_message("pi-2", 9, 2'200'000), ConnectionVerdict::kOwner);
}

TEST(ConnectionTracker, ARestartedClientTakesItsIdOverOnceTheOldConnectionClosed) {
  ConnectionTracker tracker(kWindowUs);
  tracker.on_opened(7);
  EXPECT_EQ(tracker.on_message("pi-1", 7, 0), ConnectionVerdict::kOwner);
  tracker.on_closed(7);
  EXPECT_EQ(tracker.ids(), 0u);  // a closed connection's ids are forgotten
  tracker.on_opened(8);
  EXPECT_EQ(tracker.on_message("pi-1", 8, 100'000), ConnectionVerdict::kOwner);
  EXPECT_EQ(tracker.owner("pi-1"), 8);
  // The old descriptor number comes back for a new connection: it is not the owner.
  tracker.on_opened(7);
  EXPECT_EQ(tracker.on_message("pi-1", 7, 200'000), ConnectionVerdict::kDuplicate);
}

TEST(ConnectionTracker, AnOwnerSilentForTheWindowIsReplaced) {
  // A board that lost power leaves its connection open (no FIN) and never speaks again.
  ConnectionTracker tracker(kWindowUs);
  tracker.on_opened(7);
  tracker.on_opened(8);
  EXPECT_EQ(tracker.on_message("pi-1", 7, 0), ConnectionVerdict::kOwner);
  EXPECT_EQ(tracker.on_message("pi-1", 8, kWindowUs - 1), ConnectionVerdict::kDuplicate);
  EXPECT_EQ(tracker.on_message("pi-1", 8, kWindowUs), ConnectionVerdict::kTakeover);
  EXPECT_EQ(tracker.owner_silent_ms("pi-1", kWindowUs + 5000), 5);
}

// A real server and coordinator on loopback, visited by peers that register under new names
// and leave: the server's id tables follow the open connections, so churn (or a peer that
// reconnects under a new name each time) cannot grow them.
TEST(ZmqServerIds, PeersThatComeAndGoLeaveNoIdsBehind) {
  CoordinatorSettings settings;
  settings.model.kind = ModelKind::kSoftmax;
  settings.model.num_features = 2;
  settings.model.num_classes = 2;
  settings.eval_every = 0;
  zmq::context_t context(1);
  ZmqServer server(context, "tcp://127.0.0.1:*", 1 << 20);
  const std::string endpoint = server.endpoint();
  SteadyClock clock;
  Coordinator coordinator(settings, GlobalModel(std::vector<float>(6, 0.0f)),
                          std::make_unique<AcceptAll>(), std::make_unique<ConstantStepsize>(0.1),
                          nullptr, clock, server);
  server.attach(coordinator);
  coordinator.start();
  std::atomic<bool> stop{false};
  std::thread serving([&] { server.run(stop, 10, 200); });

  std::vector<uint8_t> arena(4096);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  // Registers a peer under `name` and waits for the coordinator's answer.
  auto visit = [&](zmq::socket_t& peer, const std::string& name) {
    peer.set(zmq::sockopt::linger, 0);
    peer.connect(endpoint);
    HelloInfo info;
    info.num_features = 2;
    info.num_classes = 2;
    info.name = name.c_str();
    const Result<Span<const uint8_t>> hello = writer.hello(1, info);
    ASSERT_TRUE(hello.is_ok());
    peer.send(zmq::const_buffer(hello->data(), hello->size()));
    peer.set(zmq::sockopt::rcvtimeo, 10000);
    zmq::message_t answer;
    ASSERT_TRUE(peer.recv(answer)) << name << " got no answer";
  };
  constexpr int kVisitors = 40;
  for (int i = 0; i < kVisitors; ++i) {
    zmq::socket_t peer(context, zmq::socket_type::dealer);
    ASSERT_NO_FATAL_FAILURE(visit(peer, "visitor-" + std::to_string(i)));
  }
  zmq::socket_t stays(context, zmq::socket_type::dealer);
  ASSERT_NO_FATAL_FAILURE(visit(stays, "stays"));
  // The server reads the closed connections from its socket monitor.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  serving.join();
  // What is left is the peer still connected: its id in each table (4 entries), where
  // every visitor used to leave 3 behind.
  EXPECT_GT(server.remembered_ids(), 0u);
  EXPECT_LE(server.remembered_ids(), 4u);
}

}  // namespace
}  // namespace fedgate
