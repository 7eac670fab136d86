// The command-line conventions of the host programs: --version names the
// project version, --help exits 0, a bad option exits with status 2 (an
// unusable --run-dir too, named in the message).
#include <gtest/gtest.h>

#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "cli/version.h"
#include "tests/integration/process.h"

namespace fedgate::testing {
namespace {

struct Program {
  const char* name;
  const char* path;
};
void PrintTo(const Program& program, std::ostream* out) { *out << program.name; }

class CommandLine : public ::testing::TestWithParam<Program> {
 protected:
  void SetUp() override { dir_ = make_temp_dir("command_line"); }
  // Exit status of the program with `args`; its output in *output.
  int run(const std::vector<std::string>& args, std::string* output) {
    Process process(GetParam().path, args, dir_ + "/output");
    const int status = process.wait(30);
    *output = read_file(dir_ + "/output");
    return status;
  }
  std::string dir_;
};

TEST_P(CommandLine, VersionNamesTheProgramAndTheProjectVersion) {
  std::string output;
  ASSERT_EQ(run({"--version"}, &output), 0) << output;
  EXPECT_EQ(output, std::string(GetParam().name) + " " + kVersionText + "\n");
  EXPECT_EQ(output.find(std::string(GetParam().name) + " " + kProjectVersion), 0u) << output;
}

TEST_P(CommandLine, HelpExitsZero) {
  std::string output;
  EXPECT_EQ(run({"--help"}, &output), 0) << output;
  EXPECT_NE(output.find("--version"), std::string::npos) << output;
}

TEST_P(CommandLine, UnknownOptionExitsWithTwo) {
  std::string output;
  EXPECT_EQ(run({"--no-such-option"}, &output), 2) << output;
  EXPECT_NE(output.find("no-such-option"), std::string::npos) << output;
}

TEST_P(CommandLine, BadValueExitsWithTwo) {
  std::string output;
  EXPECT_EQ(run({"--max-versions", "many"}, &output), 2) << output;
}

TEST_P(CommandLine, MissingConfigFileExitsWithTwo) {
  std::string output;
  EXPECT_EQ(run({"--config", dir_ + "/missing.toml"}, &output), 2) << output;
}

std::string program_test_name(const ::testing::TestParamInfo<Program>& param) {
  return std::string(param.param.name) == "fedgate-sim" ? "Sim" : "Coordinator";
}

INSTANTIATE_TEST_SUITE_P(HostPrograms, CommandLine,
                         ::testing::Values(Program{"fedgate-coordinator", FEDGATE_COORDINATOR_BIN},
                                           Program{"fedgate-sim", FEDGATE_SIM_BIN}),
                         program_test_name);

TEST(CoordinatorCommandLine, UnusableRunDirExitsWithTwoAndIsNamed) {
  const std::string dir = make_temp_dir("run_dir");
  std::ofstream(dir + "/test.csv") << "0,1,2\n1,3,4\n";
  std::ofstream(dir + "/file") << "not a directory\n";
  Process coordinator(FEDGATE_COORDINATOR_BIN,
                      {"--set", "data.test_csv=\"" + dir + "/test.csv\"", "--run-dir",
                       dir + "/file/run", "--bind", "tcp://127.0.0.1:*"},
                      dir + "/output");
  EXPECT_EQ(coordinator.wait(30), 2);
  const std::string output = read_file(dir + "/output");
  EXPECT_NE(output.find("run.dir: cannot create " + dir + "/file/run"), std::string::npos)
      << output;
}

}  // namespace
}  // namespace fedgate::testing
