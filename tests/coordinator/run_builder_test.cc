// The run builder: shape from the data, errors that name the setting, a
// coordinator that starts and writes its metrics, the run directory's files,
// and model.init.
#include "coordinator/run_builder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "coordinator/model_file.h"
#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

// Four samples of three features in two classes.
Dataset tiny_classification(uint32_t features = 3) {
  Dataset data;
  data.num_features = features;
  data.num_classes = 2;
  for (int i = 0; i < 4; ++i) {
    for (uint32_t f = 0; f < features; ++f) data.features.push_back(static_cast<float>(i + f));
    data.labels.push_back(i % 2);
  }
  return data;
}

class NoOutbox : public ServerOutbox {
 public:
  void send(const std::string&, Span<const uint8_t>) override {}
};

CoordinatorConfig config_with(const std::vector<std::string>& overrides) {
  Result<CoordinatorConfig> config = load_coordinator_config("", overrides);
  EXPECT_TRUE(config.is_ok()) << config.status().message();
  return config.is_ok() ? std::move(config).value() : CoordinatorConfig{};
}

TEST(RunBuilder, TakesTheModelShapeFromTheTestData) {
  Result<std::unique_ptr<CoordinatorRun>> run = CoordinatorRun::build(
      config_with({"model.kind=softmax"}), tiny_classification(), RunOutputs{});
  ASSERT_TRUE(run.is_ok()) << run.status().message();
  EXPECT_EQ((*run)->config().settings.model.num_features, 3u);
  EXPECT_EQ((*run)->config().settings.model.num_classes, 2u);
  EXPECT_EQ((*run)->dim(), 8u);  // (3 features + bias) x 2 classes
  EXPECT_EQ((*run)->evaluator().samples(), 4u);
  EXPECT_EQ((*run)->log(), nullptr);
  EXPECT_GE((*run)->largest_message_bytes(), 8 * sizeof(float));
}

TEST(RunBuilder, TrainingDataDecidesTheShapeAndMustMatchTheTestData) {
  const Dataset train = tiny_classification(3);
  Result<std::unique_ptr<CoordinatorRun>> run = CoordinatorRun::build(
      config_with({"model.kind=softmax"}), tiny_classification(5), RunOutputs{}, &train);
  ASSERT_FALSE(run.is_ok());
  EXPECT_STREQ(run.status().message(), "model.num_features = 3, training data has 3, test data 5");
}

TEST(RunBuilder, PinnedShapeMustMatchTheTestData) {
  Result<std::unique_ptr<CoordinatorRun>> run =
      CoordinatorRun::build(config_with({"model.kind=softmax", "model.num_features=4"}),
                            tiny_classification(), RunOutputs{});
  ASSERT_FALSE(run.is_ok());
  EXPECT_STREQ(run.status().message(), "model.num_features = 4 but test data has 3");
}

TEST(RunBuilder, UnwritableMetricsFileIsAnError) {
  TempDir dir("run_builder");
  Result<std::unique_ptr<CoordinatorRun>> run = CoordinatorRun::build(
      config_with(
          {"model.kind=softmax", "run.metrics=\"" + dir.file("no/such/dir/m.jsonl") + "\""}),
      tiny_classification(), RunOutputs{});
  ASSERT_FALSE(run.is_ok());
  EXPECT_NE(std::string(run.status().message()).find("cannot write metrics to"), std::string::npos)
      << run.status().message();
}

TEST(RunBuilder, CoordinatorRunsWithTheBuiltParts) {
  TempDir dir("run_builder");
  Result<std::unique_ptr<CoordinatorRun>> run = CoordinatorRun::build(
      config_with({"model.kind=softmax", "run.metrics=\"" + dir.file("m.jsonl") + "\""}),
      tiny_classification(), RunOutputs{});
  ASSERT_TRUE(run.is_ok()) << run.status().message();
  ManualClock clock;
  NoOutbox outbox;
  Coordinator& coordinator = (*run)->make_coordinator(clock, outbox);
  EXPECT_EQ(&coordinator, &(*run)->coordinator());
  EXPECT_EQ(coordinator.model().dim(), 8u);
  coordinator.start();
  coordinator.stop("test");
  std::ifstream in(dir.file("m.jsonl"));
  std::string line, last;
  while (std::getline(in, line)) last = line;
  const nlohmann::json summary = nlohmann::json::parse(last);
  EXPECT_EQ(summary.at("event"), "summary");
  EXPECT_EQ(summary.at("reason"), "test");
  EXPECT_EQ(summary.at("acceptance"), coordinator.acceptance().name());
}

// The metrics file starts with the run's description: version, config, seeds, start.
TEST(RunBuilder, MetricsFileStartsWithTheRunLine) {
  TempDir dir("run_builder");
  RunOutputs outputs;
  outputs.seeds = {{"sim.seed", 42}};
  Result<std::unique_ptr<CoordinatorRun>> run = CoordinatorRun::build(
      config_with({"model.kind=softmax", "model.seed=5", "stepsize.constant.gamma=0.25",
                   "run.metrics=\"" + dir.file("m.jsonl") + "\""}),
      tiny_classification(), outputs);
  ASSERT_TRUE(run.is_ok()) << run.status().message();
  std::ifstream in(dir.file("m.jsonl"));
  std::string first;
  ASSERT_TRUE(std::getline(in, first));
  const nlohmann::json line = nlohmann::json::parse(first);
  EXPECT_EQ(line.at("event"), "run");
  EXPECT_FALSE(line.at("fedgate_version").get<std::string>().empty());
  EXPECT_EQ(line.at("seeds").at("model.seed"), 5);
  EXPECT_EQ(line.at("seeds").at("sim.seed"), 42);
  EXPECT_EQ(line.at("config").at("model").at("num_features"), 3);  // filled in from the data
  EXPECT_EQ(line.at("config").at("stepsize").at("constant").at("gamma"), 0.25);
  EXPECT_EQ(line.at("config").at("run").at("log_level"), "info");
  EXPECT_EQ(line.at("started_utc").get<std::string>().back(), 'Z');
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result<std::unique_ptr<CoordinatorRun>> build_run(const std::vector<std::string>& overrides,
                                                  std::FILE* progress = nullptr) {
  RunOutputs outputs;
  outputs.progress = progress;
  return CoordinatorRun::build(config_with(overrides), tiny_classification(), outputs);
}

TEST(RunDirectory, RunWritesConfigLogMetricsAndModels) {
  TempDir dir("run_builder");
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
  TempDir dir("run_builder");
  Result<std::unique_ptr<CoordinatorRun>> run =
      build_run({"run.dir=\"" + dir.file("run") + "\"",
                 "run.metrics=\"" + dir.file("elsewhere.jsonl") + "\""});
  ASSERT_TRUE(run.is_ok()) << run.status().message();
  EXPECT_EQ((*run)->config().metrics_path, dir.file("elsewhere.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("elsewhere.jsonl")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("run/metrics.jsonl")));
}

TEST(WarmStart, StartsFromTheSavedModel) {
  TempDir dir("run_builder");
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
  TempDir dir("run_builder");
  const std::string path = dir.file("init.safetensors");
  ASSERT_TRUE(
      write_model_file(path, ModelSpec{ModelKind::kSoftmax, 5, 2, 0}, std::vector<float>(12), {})
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
