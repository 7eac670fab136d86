#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/models/linear_model.h"
#include "core/models/mlp.h"
#include "core/models/softmax_regression.h"
#include "tests/core/models/model_test_util.h"

namespace fedgate {
namespace {

using testing_models::evaluate_of;
using testing_models::gradient_of;
using testing_models::Problem;
using testing_models::random_params;
using testing_models::random_problem;

constexpr size_t kF = 5, kC = 3, kH = 4, kRows = 7;

// One model on a small random problem, with its double-precision reference loss.
struct Case {
  std::string name;
  std::unique_ptr<Model> model;
  Problem data;
  std::function<double(const std::vector<double>&, const Problem&)> reference;
  bool smooth = true;  // false for the ReLU network (finite differences in float skip it)
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  cases.push_back({"least_squares", std::make_unique<LinearModel>(ModelKind::kLeastSquares, kF),
                   random_problem(kRows, kF, 0, 11, /*with_targets=*/true),
                   testing_models::ref_least_squares});
  cases.push_back({"binary_logistic", std::make_unique<LinearModel>(ModelKind::kBinaryLogistic, kF),
                   random_problem(kRows, kF, 2, 12), testing_models::ref_logistic});
  cases.push_back({"softmax", std::make_unique<SoftmaxRegression>(kF, kC),
                   random_problem(kRows, kF, kC, 13),
                   [](const std::vector<double>& p, const Problem& d) {
                     return testing_models::ref_softmax(p, d, kC);
                   }});
  cases.push_back({"mlp", std::make_unique<Mlp>(kF, kH, kC), random_problem(kRows, kF, kC, 14),
                   [](const std::vector<double>& p, const Problem& d) {
                     return testing_models::ref_mlp(p, d, kH, kC);
                   },
                   /*smooth=*/false});
  return cases;
}

std::vector<double> to_double(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

TEST(Models, LossMatchesDoubleReference) {
  for (const Case& c : all_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<float> params = random_params(c.model->dim(), 21);
    float loss = 0;
    gradient_of(*c.model, params, c.data.batch(), &loss);
    const double expected = c.reference(to_double(params), c.data);
    EXPECT_NEAR(loss, expected, 1e-5 * std::max(1.0, std::fabs(expected)));
  }
}

// The analytic gradient against central differences of the double reference (h = 1e-5,
// so truncation and rounding stay far below the tolerance, and no ReLU kink is crossed).
TEST(Models, GradientMatchesFiniteDifferencesOfReference) {
  for (const Case& c : all_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<float> params = random_params(c.model->dim(), 22);
    const std::vector<float> grad = gradient_of(*c.model, params, c.data.batch());
    std::vector<double> p = to_double(params);
    constexpr double h = 1e-5;
    for (size_t j = 0; j < p.size(); ++j) {
      const double saved = p[j];
      p[j] = saved + h;
      const double up = c.reference(p, c.data);
      p[j] = saved - h;
      const double down = c.reference(p, c.data);
      p[j] = saved;
      const double fd = (up - down) / (2 * h);
      EXPECT_NEAR(grad[j], fd, 1e-5 + 1e-3 * std::fabs(fd)) << "parameter " << j;
    }
  }
}

// Central differences of the model itself, in float (step 1e-2 is fine for smooth losses).
TEST(Models, GradientMatchesFiniteDifferencesOfModel) {
  for (const Case& c : all_cases()) {
    if (!c.smooth) continue;
    SCOPED_TRACE(c.name);
    std::vector<float> params = random_params(c.model->dim(), 23);
    const Batch batch = c.data.batch();
    const std::vector<float> grad = gradient_of(*c.model, params, batch);
    constexpr float h = 1e-2f;
    for (size_t j = 0; j < params.size(); ++j) {
      const float saved = params[j];
      float up = 0, down = 0;
      params[j] = saved + h;
      gradient_of(*c.model, params, batch, &up);
      params[j] = saved - h;
      gradient_of(*c.model, params, batch, &down);
      params[j] = saved;
      const double fd = (static_cast<double>(up) - down) / (2.0 * h);
      EXPECT_NEAR(grad[j], fd, 2e-4 + 1e-2 * std::fabs(fd)) << "parameter " << j;
    }
  }
}

TEST(Models, BatchGradientIsMeanOfPerSampleGradients) {
  for (const Case& c : all_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<float> params = random_params(c.model->dim(), 24);
    float batch_loss = 0;
    const std::vector<float> grad = gradient_of(*c.model, params, c.data.batch(), &batch_loss);
    std::vector<double> mean(grad.size(), 0.0);
    double mean_loss = 0;
    for (size_t i = 0; i < c.data.rows; ++i) {
      float loss = 0;
      const std::vector<float> g = gradient_of(*c.model, params, c.data.slice(i, 1), &loss);
      for (size_t j = 0; j < g.size(); ++j) mean[j] += g[j] / static_cast<double>(c.data.rows);
      mean_loss += loss / static_cast<double>(c.data.rows);
    }
    EXPECT_NEAR(batch_loss, mean_loss, 1e-5);
    for (size_t j = 0; j < grad.size(); ++j) EXPECT_NEAR(grad[j], mean[j], 1e-5) << j;
  }
}

TEST(Models, EvaluateAgreesWithLossAndGradient) {
  for (const Case& c : all_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<float> params = random_params(c.model->dim(), 25);
    float loss = 0;
    gradient_of(*c.model, params, c.data.batch(), &loss);
    const EvalResult result = evaluate_of(*c.model, params, c.data.batch());
    EXPECT_EQ(result.samples, c.data.rows);
    EXPECT_NEAR(result.loss_sum / static_cast<double>(result.samples), loss, 1e-5);
    EXPECT_LE(result.correct, result.samples);
  }
}

// Scratch past workspace_floats(rows) is filled with NaN and must stay untouched; inputs
// that were NaN-free must give finite results whatever the scratch held before.
TEST(Models, WorkspaceFloatsIsEnough) {
  constexpr size_t kSlack = 64;
  for (const Case& c : all_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<float> params = random_params(c.model->dim(), 26);
    for (size_t rows : {size_t{1}, size_t{3}, kRows}) {
      const size_t need = c.model->workspace_floats(rows);
      std::vector<float> workspace(need + kSlack, std::numeric_limits<float>::quiet_NaN());
      std::vector<float> grad(c.model->dim());
      const Batch batch = c.data.slice(0, rows);
      const float loss = c.model->loss_and_gradient(params, batch, grad, workspace);
      EXPECT_TRUE(std::isfinite(loss));
      for (float g : grad) EXPECT_TRUE(std::isfinite(g));
      for (size_t i = need; i < workspace.size(); ++i) ASSERT_TRUE(std::isnan(workspace[i])) << i;
      std::fill(workspace.begin(), workspace.end(), std::numeric_limits<float>::quiet_NaN());
      const EvalResult result = c.model->evaluate(params, batch, workspace);
      EXPECT_TRUE(std::isfinite(result.loss_sum));
      for (size_t i = need; i < workspace.size(); ++i) ASSERT_TRUE(std::isnan(workspace[i])) << i;
    }
  }
}

TEST(Models, EmptyBatchGivesZeroLossAndGradient) {
  for (const Case& c : all_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<float> params = random_params(c.model->dim(), 27);
    std::vector<float> grad(c.model->dim(), 5.0f);
    const float loss = c.model->loss_and_gradient(params, c.data.slice(0, 0), grad, {});
    EXPECT_EQ(loss, 0.0f);
    for (float g : grad) EXPECT_EQ(g, 0.0f);
    const EvalResult result = c.model->evaluate(params, c.data.slice(0, 0), {});
    EXPECT_EQ(result.samples, 0u);
  }
}

TEST(Models, SpecAndDim) {
  EXPECT_EQ(LinearModel(ModelKind::kLeastSquares, 5).dim(), 6u);
  EXPECT_EQ(LinearModel(ModelKind::kLeastSquares, 5).spec().num_classes, 1u);
  EXPECT_EQ(LinearModel(ModelKind::kLeastSquares, 5).spec().kind, ModelKind::kLeastSquares);
  EXPECT_EQ(LinearModel(ModelKind::kBinaryLogistic, 5).dim(), 6u);
  EXPECT_EQ(LinearModel(ModelKind::kBinaryLogistic, 5).spec().num_classes, 2u);
  EXPECT_EQ(SoftmaxRegression(784, 10).dim(), 7850u);
  const ModelSpec s = SoftmaxRegression(784, 10).spec();
  EXPECT_EQ(s.kind, ModelKind::kSoftmax);
  EXPECT_EQ(s.num_features, 784u);
  EXPECT_EQ(s.num_classes, 10u);
  EXPECT_EQ(Mlp(784, 64, 10).dim(), 784u * 64 + 64 + 10 * 64 + 10);
  const ModelSpec m = Mlp(784, 64, 10).spec();
  EXPECT_EQ(m.kind, ModelKind::kMlp);
  EXPECT_EQ(m.hidden_units, 64u);
  EXPECT_EQ(m.num_classes, 10u);
}

TEST(Models, LinearModelsInitToZero) {
  const LinearModel ls(ModelKind::kLeastSquares, 4);
  const LinearModel lr(ModelKind::kBinaryLogistic, 4);
  const SoftmaxRegression sm(4, 3);
  for (const Model* model : {static_cast<const Model*>(&ls), static_cast<const Model*>(&lr),
                             static_cast<const Model*>(&sm)}) {
    std::vector<float> params(model->dim(), 7.0f);
    model->init_params(params, 99);
    for (float v : params) EXPECT_EQ(v, 0.0f);
  }
}

TEST(Models, MlpInitIsGlorotUniformAndDeterministic) {
  constexpr uint32_t f = 20, h = 30, c = 4;
  const Mlp mlp(f, h, c);
  std::vector<float> a(mlp.dim(), 7.0f), b(mlp.dim()), other(mlp.dim());
  mlp.init_params(a, 5);
  mlp.init_params(b, 5);
  mlp.init_params(other, 6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  const float limit1 = std::sqrt(6.0f / (f + h)), limit2 = std::sqrt(6.0f / (h + c));
  const size_t b1 = h * f, w2 = b1 + h, b2 = w2 + c * h;
  double sum1 = 0, max1 = 0;
  for (size_t i = 0; i < b1; ++i) {
    EXPECT_LE(std::fabs(a[i]), limit1);
    sum1 += a[i];
    max1 = std::max(max1, static_cast<double>(std::fabs(a[i])));
  }
  EXPECT_NEAR(sum1 / b1, 0.0, 0.1 * limit1);  // centred
  EXPECT_GT(max1, 0.8 * limit1);              // spans the range
  for (size_t i = b1; i < w2; ++i) EXPECT_EQ(a[i], 0.0f);
  bool any_nonzero = false;
  for (size_t i = w2; i < b2; ++i) {
    EXPECT_LE(std::fabs(a[i]), limit2);
    any_nonzero |= a[i] != 0.0f;
  }
  EXPECT_TRUE(any_nonzero);
  for (size_t i = b2; i < a.size(); ++i) EXPECT_EQ(a[i], 0.0f);
}

// ---- hand-computed values ----

TEST(LeastSquares, HandComputedLossAndGradient) {
  // w = (1, 2), b = 0.5; x = (1, 1) -> 3.5 vs 3 (r = 0.5); x = (0, 1) -> 2.5 vs 0 (r = 2.5).
  const LinearModel model(ModelKind::kLeastSquares, 2);
  const std::vector<float> params = {1.0f, 2.0f, 0.5f};
  Problem data;
  data.features = 2;
  data.rows = 2;
  data.x = {1, 1, 0, 1};
  data.targets = {3.0f, 0.0f};
  float loss = 0;
  const std::vector<float> grad = gradient_of(model, params, data.batch(), &loss);
  EXPECT_FLOAT_EQ(loss, (0.5f * 0.25f + 0.5f * 6.25f) / 2);
  EXPECT_FLOAT_EQ(grad[0], (0.5f * 1 + 2.5f * 0) / 2);
  EXPECT_FLOAT_EQ(grad[1], (0.5f * 1 + 2.5f * 1) / 2);
  EXPECT_FLOAT_EQ(grad[2], (0.5f + 2.5f) / 2);
  const EvalResult result = evaluate_of(model, params, data.batch());
  EXPECT_DOUBLE_EQ(result.loss_sum, 0.125 + 3.125);
  EXPECT_EQ(result.correct, 0u);

  // Without targets the labels serve as targets.
  data.targets.clear();
  data.labels = {3, 0};
  float from_labels = 0;
  EXPECT_EQ(gradient_of(model, params, data.batch(), &from_labels), grad);
  EXPECT_FLOAT_EQ(from_labels, loss);
}

TEST(BinaryLogistic, HandComputedLossAndAccuracy) {
  // w = 2, b = -1; x = 1, 0, 2 -> z = 1, -1, 3; labels 1, 0, 0 -> the last one is wrong.
  const LinearModel model(ModelKind::kBinaryLogistic, 1);
  const std::vector<float> params = {2.0f, -1.0f};
  Problem data;
  data.features = 1;
  data.rows = 3;
  data.x = {1, 0, 2};
  data.labels = {1, 0, 0};
  const double l1 = std::log1p(std::exp(-1.0)), l3 = std::log1p(std::exp(3.0));
  const EvalResult result = evaluate_of(model, params, data.batch());
  EXPECT_NEAR(result.loss_sum, l1 + l1 + l3, 1e-5);
  EXPECT_EQ(result.correct, 2u);
  float loss = 0;
  const std::vector<float> grad = gradient_of(model, params, data.batch(), &loss);
  EXPECT_NEAR(loss, (l1 + l1 + l3) / 3, 1e-6);
  const double s1 = 1 / (1 + std::exp(-1.0)), s2 = 1 / (1 + std::exp(1.0)),
               s3 = 1 / (1 + std::exp(-3.0));
  EXPECT_NEAR(grad[0], ((s1 - 1) * 1 + s2 * 0 + s3 * 2) / 3, 1e-6);
  EXPECT_NEAR(grad[1], ((s1 - 1) + s2 + s3) / 3, 1e-6);
}

TEST(BinaryLogistic, ZeroParamsGiveLog2) {
  const LinearModel model(ModelKind::kBinaryLogistic, kF);
  const Problem data = random_problem(kRows, kF, 2, 31);
  float loss = 0;
  gradient_of(model, std::vector<float>(model.dim(), 0.0f), data.batch(), &loss);
  EXPECT_NEAR(loss, std::log(2.0), 1e-6);
}

TEST(BinaryLogistic, StableForHugeMargins) {
  const LinearModel model(ModelKind::kBinaryLogistic, 1);
  const std::vector<float> params = {1000.0f, 0.0f};
  Problem data;
  data.features = 1;
  data.rows = 4;
  data.x = {1, -1, 1, -1};
  data.labels = {1, 0, 0, 1};  // two confidently right, two confidently wrong by 1000
  float loss = 0;
  const std::vector<float> grad = gradient_of(model, params, data.batch(), &loss);
  EXPECT_NEAR(loss, 500.0f, 1e-3);
  EXPECT_NEAR(grad[0], (0 + 0 + 1 + 1) / 4.0f, 1e-6);
  EXPECT_NEAR(grad[1], (0 + 0 + 1 - 1) / 4.0f, 1e-6);
}

TEST(SoftmaxRegression, ZeroParamsGiveLogC) {
  const SoftmaxRegression model(kF, kC);
  const Problem data = random_problem(kRows, kF, kC, 32);
  float loss = 0;
  const std::vector<float> grad =
      gradient_of(model, std::vector<float>(model.dim(), 0.0f), data.batch(), &loss);
  EXPECT_NEAR(loss, std::log(static_cast<double>(kC)), 1e-6);
  // d/db_c = mean(1/C - [y == c]); d/dW_cf = mean((1/C - [y == c]) x_f).
  for (size_t c = 0; c < kC; ++c) {
    double db = 0;
    for (size_t i = 0; i < kRows; ++i) db += (1.0 / kC - (data.labels[i] == int(c))) / kRows;
    EXPECT_NEAR(grad[kC * kF + c], db, 1e-6);
    for (size_t f = 0; f < kF; ++f) {
      double dw = 0;
      for (size_t i = 0; i < kRows; ++i) {
        dw += (1.0 / kC - (data.labels[i] == int(c))) * data.x[i * kF + f] / kRows;
      }
      EXPECT_NEAR(grad[c * kF + f], dw, 1e-6);
    }
  }
}

TEST(SoftmaxRegression, HandBuiltAccuracyAndStability) {
  // W = [[1, 0], [0, 1], [0, 0]], b = 0: (2, 0) -> class 0, (0, 2) -> 1, (-1, -1) -> 2.
  const SoftmaxRegression model(2, 3);
  const std::vector<float> params = {1, 0, 0, 1, 0, 0, 0, 0, 0};
  Problem data;
  data.features = 2;
  data.rows = 3;
  data.x = {2, 0, 0, 2, -1, -1};
  data.labels = {0, 1, 0};
  const EvalResult result = evaluate_of(model, params, data.batch());
  EXPECT_EQ(result.correct, 2u);
  const double l01 = std::log(std::exp(2.0) + 2.0) - 2.0;
  const double l2 = std::log(2 * std::exp(-1.0) + 1.0) - (-1.0);
  EXPECT_NEAR(result.loss_sum, 2 * l01 + l2, 1e-5);

  // Logits of +-2000 overflow exp() without the max subtraction.
  for (float& v : data.x) v *= 1000.0f;
  float loss = 0;
  const std::vector<float> grad = gradient_of(model, params, data.batch(), &loss);
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(loss, 1000.0f / 3, 1e-2);  // only the third sample is wrong, by 1000
  for (float g : grad) EXPECT_TRUE(std::isfinite(g));
}

TEST(Mlp, ZeroParamsGiveLogC) {
  const Mlp model(kF, kH, kC);
  const Problem data = random_problem(kRows, kF, kC, 33);
  float loss = 0;
  const std::vector<float> grad =
      gradient_of(model, std::vector<float>(model.dim(), 0.0f), data.batch(), &loss);
  EXPECT_NEAR(loss, std::log(static_cast<double>(kC)), 1e-6);
  const size_t b2 = kH * kF + kH + kC * kH;
  for (size_t j = 0; j < b2; ++j) EXPECT_EQ(grad[j], 0.0f) << j;  // dead network
  for (size_t c = 0; c < kC; ++c) {
    double db = 0;
    for (size_t i = 0; i < kRows; ++i) db += (1.0 / kC - (data.labels[i] == int(c))) / kRows;
    EXPECT_NEAR(grad[b2 + c], db, 1e-6);
  }
}

TEST(Mlp, HandBuiltForwardPass) {
  // F = H = 1, C = 2: W1 = 1, b1 = 0, W2 = (1, -1), b2 = 0.
  // x = 2 -> h = 2 -> z = (2, -2), class 0; x = -1 -> h = 0 -> z = (0, 0), ties go to class 0.
  const Mlp model(1, 1, 2);
  const std::vector<float> params = {1, 0, 1, -1, 0, 0};
  Problem data;
  data.features = 1;
  data.rows = 2;
  data.x = {2, -1};
  data.labels = {0, 1};
  const EvalResult result = evaluate_of(model, params, data.batch());
  EXPECT_EQ(result.correct, 1u);
  EXPECT_NEAR(result.loss_sum, std::log1p(std::exp(-4.0)) + std::log(2.0), 1e-6);
}

// ---- learning smoke test ----

TEST(SoftmaxRegression, SgdLearnsSeparableThreeClassProblem) {
  constexpr size_t kFeatures = 4, kClasses = 3, kSamples = 300, kBatch = 16;
  const float centres[kClasses][kFeatures] = {{3, 0, 0, 1}, {0, 3, 0, -1}, {0, 0, 3, 0}};
  Rng rng(77);
  Problem data;
  data.features = kFeatures;
  data.rows = kSamples;
  for (size_t i = 0; i < kSamples; ++i) {
    const uint32_t label = rng.uniform(kClasses);
    data.labels.push_back(static_cast<int32_t>(label));
    for (size_t f = 0; f < kFeatures; ++f) {
      data.x.push_back(centres[label][f] + 0.5f * static_cast<float>(rng.normal()));
    }
  }
  const SoftmaxRegression model(kFeatures, kClasses);
  std::vector<float> params(model.dim()), grad(model.dim());
  model.init_params(params, 1);
  std::vector<float> workspace(model.workspace_floats(kSamples));
  const float initial = model.evaluate(params, data.batch(), workspace).loss_sum / kSamples;
  for (int epoch = 0; epoch < 5; ++epoch) {
    for (size_t start = 0; start + kBatch <= kSamples; start += kBatch) {
      model.loss_and_gradient(params, data.slice(start, kBatch), grad, workspace);
      for (size_t j = 0; j < params.size(); ++j) params[j] -= 0.5f * grad[j];
    }
  }
  const EvalResult result = model.evaluate(params, data.batch(), workspace);
  EXPECT_GT(static_cast<double>(result.correct) / kSamples, 0.95);
  EXPECT_LT(result.loss_sum / kSamples, 0.25 * initial);
}

}  // namespace
}  // namespace fedgate
