// RunDirectory: created when missing, with errors that name the path.
#include "coordinator/run_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

TEST(RunDirectory, CreatesMissingParents) {
  TempDir dir("run_directory");
  Result<RunDirectory> run = RunDirectory::open(dir.file("a/b/run/"));
  ASSERT_TRUE(run.is_ok()) << run.status().message();
  EXPECT_TRUE(std::filesystem::is_directory(dir.file("a/b/run")));
  EXPECT_EQ(run->model_path(), dir.file("a/b/run/model.safetensors"));
}

TEST(RunDirectory, ErrorNamesThePath) {
  TempDir dir("run_directory");
  const std::string blocker = dir.write("file", "not a directory");
  Result<RunDirectory> run = RunDirectory::open(blocker + "/run");
  ASSERT_FALSE(run.is_ok());
  EXPECT_NE(std::string(run.status().message()).find(blocker), std::string::npos)
      << run.status().message();
}

}  // namespace
}  // namespace fedgate
