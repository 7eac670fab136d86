// The run directory: created when missing, errors that name the path, and a
// run that leaves its config, log, metrics and model files there; model.init
// starts a run from a saved model or says why it cannot.
#include "coordinator/run_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "coordinator/model_file.h"
#include "coordinator/run_builder.h"
#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

Dataset tiny_classification() {
  Dataset data;
  data.num_features = 3;
  data.num_classes = 2;
  for (int i = 0; i < 4; ++i) {
    for (uint32_t f = 0; f < 3; ++f) data.features.push_back(static_cast<float>(i + f));
    data.labels.push_back(i % 2);
  }
  return data;
}

class NoOutbox : public ServerOutbox {
 public:
  void send(const std::string&, Span<const uint8_t>) override {}
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result<std::unique_ptr<CoordinatorRun>> build_run(const std::vector<std::string>& overrides,
                                                  std::FILE* progress = nullptr) {
  Result<CoordinatorConfig> config = load_coordinator_config("", overrides);
  if (!config.is_ok()) return config.status();
  RunOutputs outputs;
  outputs.progress = progress;
  return CoordinatorRun::build(std::move(config).value(), tiny_classification(), outputs);
}

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

TEST(RunDirectory, RunWritesConfigLogMetricsAndModels) {
  TempDir dir("run_directory");
  const std::string run_dir = dir.file("run");
  std::FILE* progress = std::tmpfile();
  Result<std::unique_ptr<CoordinatorRun>> run =
      build_run({"model.kind=softmax", "run.dir=\"" + run_dir + "\""}, progress);
  ASSERT_TRUE(run.is_ok()) << run.status().message();
  ManualClock clock;
  NoOutbox outbox;
  Coordinator& coordinator = (*run)->make_coordinator(clock, outbox);
  coordinator.start();
  coordinator.stop("test");
  run->reset();  // closes the log

  EXPECT_NE(read_text(run_dir + "/config.toml").find("dir = \"" + run_dir + "\""),
            std::string::npos);
  EXPECT_NE(read_text(run_dir + "/metrics.jsonl").find("\"summary\""), std::string::npos);
  const std::string log = read_text(run_dir + "/coordinator.log");
  std::rewind(progress);
  std::string shown;
  for (int c; (c = std::fgetc(progress)) != EOF;) shown += static_cast<char>(c);
  std::fclose(progress);
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log, shown);  // the log holds what the terminal showed
  for (const char* name : {"model.safetensors", "model-best.safetensors"}) {
    Result<SavedModel> saved = read_model_file(run_dir + "/" + name);
    ASSERT_TRUE(saved.is_ok()) << name << ": " << saved.status().message();
    EXPECT_EQ(saved->metadata.at("model_kind"), "softmax");
    EXPECT_EQ(saved->tensors.at("W").shape, (std::vector<uint32_t>{2, 3}));
  }
}

TEST(RunDirectory, ExplicitMetricsPathWins) {
  TempDir dir("run_directory");
  Result<std::unique_ptr<CoordinatorRun>> run =
      build_run({"run.dir=\"" + dir.file("run") + "\"",
                 "run.metrics=\"" + dir.file("elsewhere.jsonl") + "\""});
  ASSERT_TRUE(run.is_ok()) << run.status().message();
  EXPECT_EQ((*run)->config().metrics_path, dir.file("elsewhere.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("elsewhere.jsonl")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("run/metrics.jsonl")));
}

TEST(WarmStart, StartsFromTheSavedModel) {
  TempDir dir("run_directory");
  const std::vector<float> saved = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::string path = dir.file("init.safetensors");
  ASSERT_TRUE(write_model_file(path, ModelSpec{ModelKind::kSoftmax, 3, 2, 0}, saved, {}).is_ok());
  Result<std::unique_ptr<CoordinatorRun>> run =
      build_run({"model.kind=softmax", "model.init=\"" + path + "\""});
  ASSERT_TRUE(run.is_ok()) << run.status().message();
  ManualClock clock;
  NoOutbox outbox;
  const Coordinator& coordinator = (*run)->make_coordinator(clock, outbox);
  const Span<const float> params = coordinator.model().params();
  EXPECT_EQ(std::vector<float>(params.begin(), params.end()), saved);
}

TEST(WarmStart, RefusesAModelOfAnotherShape) {
  TempDir dir("run_directory");
  const std::string path = dir.file("init.safetensors");
  ASSERT_TRUE(write_model_file(path, ModelSpec{ModelKind::kSoftmax, 5, 2, 0},
                               std::vector<float>(12), {})
                  .is_ok());
  Result<std::unique_ptr<CoordinatorRun>> run =
      build_run({"model.kind=softmax", "model.init=\"" + path + "\""});
  ASSERT_FALSE(run.is_ok());
  EXPECT_STREQ(run.status().message(),
               "model.init: W has shape [2, 5], this run's softmax needs [2, 3]");
}

TEST(WarmStart, MissingFileIsNamed) {
  Result<std::unique_ptr<CoordinatorRun>> run =
      build_run({"model.kind=softmax", "model.init=\"no-such-model.safetensors\""});
  ASSERT_FALSE(run.is_ok());
  EXPECT_NE(std::string(run.status().message()).find("model.init: cannot read no-such-model"),
            std::string::npos)
      << run.status().message();
}

}  // namespace
}  // namespace fedgate
