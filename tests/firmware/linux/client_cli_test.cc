// fedgate-client's command line and config file: anything wrong exits with status 2 and says
// what (docs/deploy-raspberry-pi.md); a misspelt config key is not ignored.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/process.h"

namespace fedgate {
namespace {

using testing::Process;
using testing::read_file;

class ClientCommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/fedgate-client-cli-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& file : {output(), dir_ + "/client.toml"}) std::remove(file.c_str());
    ::rmdir(dir_.c_str());
  }

  int run(const std::vector<std::string>& args) {
    Process client(FEDGATE_CLIENT_BIN, args, output());
    return client.wait(30);
  }
  std::string output() const { return dir_ + "/client.log"; }
  std::string write_config(const std::string& text) {
    std::string path = dir_ + "/client.toml";
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
};

TEST_F(ClientCommandLine, HelpExitsZero) {
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_NE(read_file(output()).find("--connect"), std::string::npos);
}

TEST_F(ClientCommandLine, VersionNamesTheProgramAndExitsZero) {
  EXPECT_EQ(run({"--version"}), 0);
  EXPECT_EQ(read_file(output()).rfind("fedgate-client 0.", 0), 0u) << read_file(output());
}

TEST_F(ClientCommandLine, UnknownOptionExitsWithTwo) {
  EXPECT_EQ(run({"--conect", "tcp://127.0.0.1:1"}), 2);
  EXPECT_NE(read_file(output()).find("--conect"), std::string::npos) << read_file(output());
}

TEST_F(ClientCommandLine, MalformedValueExitsWithTwo) {
  EXPECT_EQ(run({"--clients", "many"}), 2);
  EXPECT_NE(read_file(output()).find("many"), std::string::npos) << read_file(output());
}

TEST_F(ClientCommandLine, ValueOutOfRangeExitsWithTwo) {
  EXPECT_EQ(run({"--clients", "0"}), 2) << read_file(output());
}

TEST_F(ClientCommandLine, UnknownConfigKeyIsRejectedNamingKeyAndFile) {
  const std::string config = write_config("conect = \"tcp://127.0.0.1:1\"\nclients = 2\n");
  EXPECT_EQ(run({"--config", config}), 2);
  const std::string text = read_file(output());
  EXPECT_NE(text.find("unknown key 'conect'"), std::string::npos) << text;
  EXPECT_NE(text.find(config), std::string::npos) << text;
}

TEST_F(ClientCommandLine, KnownConfigKeysAreRead) {
  // A valid file gets past parsing: the range check of its values is what fails here.
  const std::string config = write_config("clients = 2\nindex = 5\n");
  EXPECT_EQ(run({"--config", config}), 2);
  EXPECT_NE(read_file(output()).find("--index 5 must be below --clients 2"), std::string::npos)
      << read_file(output());
}

}  // namespace
}  // namespace fedgate
