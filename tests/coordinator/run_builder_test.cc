// The run builder: shape from the data, errors that name the setting, and a
// coordinator that starts and writes its metrics.
#include "coordinator/run_builder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace fedgate
