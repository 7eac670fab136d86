#include "core/training/local_trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "core/data/partition.h"
#include "core/models/softmax_regression.h"
#include "core/protocol/codec.h"

namespace fedgate {
namespace {

// 12 samples, 3 features, 3 classes; row i has features (i, i+1, i+2) / 10.
Dataset small_dataset() {
  Dataset data;
  data.num_features = 3;
  data.num_classes = 3;
  for (int i = 0; i < 12; ++i) {
    for (int f = 0; f < 3; ++f) data.features.push_back(static_cast<float>(i + f) / 10.0f);
    data.labels.push_back(i % 3);
  }
  return data;
}

TrainingSetup softmax_setup(uint32_t batch) {
  TrainingSetup setup;
  setup.model_kind = wire::ModelKind::Softmax;
  setup.num_features = 3;
  setup.num_classes = 3;
  setup.model_dim = 12;
  setup.batch_size = batch;
  return setup;
}

TEST(LocalTrainer, RefusesSetupsThatDoNotFitItsData) {
  const Dataset data = small_dataset();
  LocalTrainer trainer(data, {0, 1, 2}, 1);
  TrainingSetup setup = softmax_setup(4);
  setup.num_features = 784;
  EXPECT_EQ(trainer.configure(setup).code(), StatusCode::kInvalidArgument);
  setup = softmax_setup(4);
  setup.model_dim = 7850;
  Status wrong_dim = trainer.configure(setup);
  EXPECT_FALSE(wrong_dim.is_ok());
  EXPECT_NE(std::string(wrong_dim.message()).find("7850"), std::string::npos);
  EXPECT_FALSE(trainer.configure(softmax_setup(0)).is_ok());
  LocalTrainer empty(data, {}, 1);
  EXPECT_EQ(empty.configure(softmax_setup(4)).code(), StatusCode::kFailedPrecondition);
}

TEST(LocalTrainer, ComputeBeforeConfigureIsAnError) {
  const Dataset data = small_dataset();
  LocalTrainer trainer(data, {0, 1}, 1);
  std::vector<float> params(12), grad(12);
  EXPECT_FALSE(trainer.compute(params, grad).is_ok());
}

TEST(LocalTrainer, BatchOfAllOwnedSamplesGivesTheFullGradient) {
  // With the batch as large as the share, one epoch is exactly one batch, so the
  // gradient must equal the model's gradient over those rows in any order.
  const Dataset data = small_dataset();
  const std::vector<uint32_t> owned = {1, 4, 7, 10};
  LocalTrainer trainer(data, owned, 5);
  ASSERT_TRUE(trainer.configure(softmax_setup(4)).is_ok());
  std::vector<float> params(12);
  for (size_t i = 0; i < params.size(); ++i) params[i] = 0.1f * static_cast<float>(i % 5) - 0.2f;
  std::vector<float> grad(12);
  auto stats = trainer.compute(params, grad);
  ASSERT_TRUE(stats.is_ok());

  const Dataset rows = subset(data, owned);
  SoftmaxRegression model(3, 3);
  std::vector<float> expected(12), workspace(model.workspace_floats(4));
  Batch batch;
  batch.features = rows.features.data();
  batch.labels = rows.labels.data();
  batch.rows = 4;
  const float loss = model.loss_and_gradient(params, batch, expected, workspace);
  for (size_t i = 0; i < 12; ++i) EXPECT_NEAR(grad[i], expected[i], 1e-6f) << i;
  EXPECT_NEAR(stats->loss, loss, 1e-6f);
  EXPECT_NEAR(stats->grad_norm, l2_norm(expected), 1e-6);
  EXPECT_EQ(stats->samples, 4u);
}

TEST(LocalTrainer, SameSeedSameGradientsDifferentSeedDifferent) {
  const Dataset data = small_dataset();
  std::vector<uint32_t> owned(12);
  for (uint32_t i = 0; i < 12; ++i) owned[i] = i;
  LocalTrainer a(data, owned, 9), b(data, owned, 9), c(data, owned, 10);
  for (auto* trainer : {&a, &b, &c}) ASSERT_TRUE(trainer->configure(softmax_setup(2)).is_ok());
  std::vector<float> params(12, 0.05f), ga(12), gb(12), gc(12);
  bool differs = false;
  for (int step = 0; step < 6; ++step) {
    ASSERT_TRUE(a.compute(params, ga).is_ok());
    ASSERT_TRUE(b.compute(params, gb).is_ok());
    ASSERT_TRUE(c.compute(params, gc).is_ok());
    EXPECT_EQ(ga, gb);
    differs |= ga != gc;
  }
  EXPECT_TRUE(differs);
}

TEST(LocalTrainer, AnEpochVisitsEveryOwnedSampleOnce) {
  // Batch size 1 with one feature equal to the row index reveals which row was used:
  // least squares with w = 0, b = 0 has gradient (-y * x, -y) per sample.
  Dataset data;
  data.num_features = 1;
  for (int i = 0; i < 8; ++i) {
    data.features.push_back(static_cast<float>(i));
    data.targets.push_back(1.0f);
  }
  LocalTrainer trainer(data, {2, 3, 5, 7}, 3);
  TrainingSetup setup;
  setup.model_kind = wire::ModelKind::LeastSquares;
  setup.num_features = 1;
  setup.num_classes = 1;
  setup.model_dim = 2;
  setup.batch_size = 1;
  ASSERT_TRUE(trainer.configure(setup).is_ok());
  std::vector<float> params(2, 0.0f), grad(2);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::multiset<int> seen;
    for (int step = 0; step < 4; ++step) {
      ASSERT_TRUE(trainer.compute(params, grad).is_ok());
      seen.insert(static_cast<int>(std::lround(-grad[0])));
    }
    EXPECT_EQ(seen, (std::multiset<int>{2, 3, 5, 7})) << "epoch " << epoch;
  }
}

TEST(LocalTrainer, RecomputeUsesTheLastMinibatch) {
  const Dataset data = small_dataset();
  LocalTrainer trainer(data, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3);
  std::vector<float> params(12), grad(12), again(12), elsewhere(12), reference(12);
  EXPECT_FALSE(trainer.recompute(params, grad).is_ok());  // not configured
  ASSERT_TRUE(trainer.configure(softmax_setup(2)).is_ok());
  EXPECT_FALSE(trainer.recompute(params, grad).is_ok());  // no minibatch yet
  for (size_t i = 0; i < params.size(); ++i) params[i] = 0.1f * static_cast<float>(i % 5);
  ASSERT_TRUE(trainer.compute(params, grad).is_ok());
  // Same point, same minibatch: the same gradient, bit for bit.
  ASSERT_TRUE(trainer.recompute(params, again).is_ok());
  EXPECT_EQ(again, grad);
  // Another point on that minibatch equals a fresh trainer's first gradient there.
  std::vector<float> zero(12, 0.0f);
  ASSERT_TRUE(trainer.recompute(zero, elsewhere).is_ok());
  LocalTrainer twin(data, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3);
  ASSERT_TRUE(twin.configure(softmax_setup(2)).is_ok());
  ASSERT_TRUE(twin.compute(zero, reference).is_ok());
  EXPECT_EQ(elsewhere, reference);
  // compute() moves on to the next minibatch.
  ASSERT_TRUE(trainer.compute(params, again).is_ok());
  EXPECT_NE(again, grad);
}

}  // namespace
}  // namespace fedgate
