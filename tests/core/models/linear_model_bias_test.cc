// Least squares without its bias: the plain quadratic (1/2n)|Aw - y|^2 of
// Mishchenko et al., so their tuned stepsizes (which assume its L) apply.
#include <gtest/gtest.h>

#include <vector>

#include "core/models/linear_model.h"
#include "core/models/model_factory.h"

namespace fedgate {
namespace {

TEST(LeastSquaresWithoutBias, HasOnlyTheWeightsAndTheirGradient) {
  const LinearModel model(ModelKind::kLeastSquares, 2, /*bias=*/false);
  EXPECT_EQ(model.dim(), 2u);
  EXPECT_FALSE(model.spec().bias);
  // Rows (1, 0) -> 1 and (0, 2) -> 0 at w = (3, 1): residuals 2 and 2.
  const std::vector<float> features{1, 0, 0, 2};
  const std::vector<float> targets{1, 0};
  Batch batch;
  batch.features = features.data();
  batch.targets = targets.data();
  batch.rows = 2;
  const std::vector<float> w{3, 1};
  std::vector<float> grad(2);
  std::vector<float> workspace(model.workspace_floats(2));
  const float loss = model.loss_and_gradient(w, batch, grad, workspace);
  EXPECT_FLOAT_EQ(loss, (0.5f * 4 + 0.5f * 4) / 2);
  // A^T r / n = ((1 * 2), (2 * 2)) / 2; no intercept term.
  EXPECT_FLOAT_EQ(grad[0], 1.0f);
  EXPECT_FLOAT_EQ(grad[1], 2.0f);
  EXPECT_DOUBLE_EQ(model.evaluate(w, batch, workspace).loss_sum, 4.0);
}

TEST(LeastSquaresWithoutBias, OnlyLeastSquaresCanDropTheBias) {
  ModelSpec spec{ModelKind::kLeastSquares, 3, 1, 0, /*bias=*/false};
  Result<std::unique_ptr<Model>> model = make_model(spec);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_EQ((*model)->dim(), 3u);
  spec.kind = ModelKind::kBinaryLogistic;
  spec.num_classes = 2;
  Result<std::unique_ptr<Model>> logistic = make_model(spec);
  ASSERT_FALSE(logistic.is_ok());
  EXPECT_STREQ(logistic.status().message(),
               "logistic model: bias = false, only least-squares can drop its bias");
}

}  // namespace
}  // namespace fedgate
