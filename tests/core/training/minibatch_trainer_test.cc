#include "core/training/minibatch_trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace fedgate {
namespace {

// 4 samples, 2 features, regression targets: row i is (i, 1), target i.
Dataset regression_data() {
  Dataset data;
  data.num_features = 2;
  data.features = {0, 1, 1, 1, 2, 1, 3, 1};
  data.targets = {0, 1, 2, 3};
  return data;
}

// Least squares over those 2 features: 3 parameters.
TrainingSetup least_squares_setup(uint32_t batch) {
  return TrainingSetup{wire::ModelKind::LeastSquares,
                       /*model_dim=*/3,
                       /*num_features=*/2,
                       /*num_classes=*/1,
                       /*hidden_units=*/0,
                       batch};
}

TEST(MinibatchTrainer, ChecksTheSetupAgainstTheData) {
  const Dataset data = regression_data();
  MinibatchTrainer trainer;
  TrainingSetup setup = least_squares_setup(2);
  setup.num_features = 3;
  EXPECT_EQ(trainer.configure(data, setup).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(trainer.configure(data, least_squares_setup(0)).code(), StatusCode::kInvalidArgument);
  setup = least_squares_setup(2);
  setup.model_dim = 4;
  const Status wrong_dim = trainer.configure(data, setup);
  EXPECT_EQ(wrong_dim.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(wrong_dim.message()).find("least-squares"), std::string::npos);
  EXPECT_FALSE(trainer.configured());
}

TEST(MinibatchTrainer, GradientNeedsConfigureAndMatchingSizes) {
  const Dataset data = regression_data();
  MinibatchTrainer trainer;
  std::vector<float> params(3, 0.0f), grad(3, 0.0f), short_grad(2, 0.0f);
  EXPECT_EQ(trainer.gradient(params, grad).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(trainer.configure(data, least_squares_setup(2)).is_ok());
  EXPECT_TRUE(trainer.configured());
  EXPECT_EQ(trainer.check_sizes(params, short_grad).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(trainer.check_sizes(params, grad).is_ok());
}

TEST(MinibatchTrainer, GradientOnTheGatheredRows) {
  const Dataset data = regression_data();
  MinibatchTrainer trainer;
  ASSERT_TRUE(trainer.configure(data, least_squares_setup(2)).is_ok());
  trainer.gather(0, data, 3);  // x = (3, 1), y = 3
  trainer.gather(1, data, 1);  // x = (1, 1), y = 1
  const std::vector<float> params = {0.0f, 0.0f, 0.0f};
  std::vector<float> grad(3, 0.0f);
  auto stats = trainer.gradient(params, grad);
  ASSERT_TRUE(stats.is_ok());
  // Residuals -3 and -1: loss (4.5 + 0.5) / 2, grad ((-9 - 1) / 2, (-3 - 1) / 2, -2).
  EXPECT_FLOAT_EQ(stats->loss, 2.5f);
  EXPECT_EQ(stats->samples, 2u);
  EXPECT_EQ(stats->compute_us, 0u);
  EXPECT_FLOAT_EQ(grad[0], -5.0f);
  EXPECT_FLOAT_EQ(grad[1], -2.0f);
  EXPECT_FLOAT_EQ(grad[2], -2.0f);
}

TEST(MinibatchTrainer, ShuffleEpochIsASeededPermutation) {
  std::vector<uint32_t> a = {0, 1, 2, 3, 4, 5, 6, 7}, b = a;
  Rng ra(5), rb(5);
  shuffle_epoch(a, ra);
  shuffle_epoch(b, rb);
  EXPECT_EQ(a, b);
  std::vector<uint32_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

}  // namespace
}  // namespace fedgate
