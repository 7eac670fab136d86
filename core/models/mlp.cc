#include "core/models/mlp.h"

#include <algorithm>
#include <cmath>

#include "core/base/rng.h"
#include "core/models/model_kernels.h"

namespace fedgate {

using namespace models_detail;  // NOLINT: internal helpers of this module

namespace {

// Offsets of the four parameter blocks in the flat vector.
struct Layout {
  Index w1, b1, w2, b2, end;
  Layout(Index features, Index hidden, Index classes)
      : w1(0),
        b1(hidden * features),
        w2(b1 + hidden),
        b2(w2 + classes * hidden),
        end(b2 + classes) {}
};

// Forward pass: hidden (rows x H) = relu(X W1^T + b1), logits (rows x C) = hidden W2^T + b2.
void forward(Span<const float> params, const Batch& batch, Index features, Index hidden_units,
             Index classes, MatrixMap& hidden, MatrixMap& logits) {
  const Layout at(features, hidden_units, classes);
  const Index rows = static_cast<Index>(batch.rows);
  const ConstMatrixMap x(batch.features, rows, features);
  dense_forward(hidden, x, params.data() + at.w1);
  hidden.array() = hidden.array().max(0.0f);
  dense_forward(logits, hidden, params.data() + at.w2);
}

}  // namespace

ModelSpec Mlp::spec() const {
  return ModelSpec{ModelKind::kMlp, num_features_, num_classes_, hidden_units_};
}

size_t Mlp::dim() const {
  const size_t h = hidden_units_;
  return h * num_features_ + h + static_cast<size_t>(num_classes_) * h + num_classes_;
}

float Mlp::loss_and_gradient(Span<const float> params, const Batch& batch, Span<float> grad,
                             Span<float> workspace) const {
  const Index rows = static_cast<Index>(batch.rows);
  const Index features = num_features_;
  const Index hidden_units = hidden_units_;
  const Index classes = num_classes_;
  if (rows == 0) {
    std::fill(grad.begin(), grad.end(), 0.0f);
    return 0.0f;
  }
  const Layout at(features, hidden_units, classes);
  MatrixMap hidden(workspace.data(), rows, hidden_units);
  MatrixMap hidden_grad(workspace.data() + rows * hidden_units, rows, hidden_units);
  MatrixMap logits(workspace.data() + 2 * rows * hidden_units, rows, classes);
  forward(params, batch, features, hidden_units, classes, hidden, logits);

  // Backward; the logits become d(mean loss)/d(logits) in place.
  const double loss_sum = softmax_xent_backward(logits, batch, 1.0f / static_cast<float>(rows));
  const ConstMatrixMap x(batch.features, rows, features);
  const ConstMatrixMap w2(params.data() + at.w2, classes, hidden_units);
  dense_backward(logits, hidden, grad.data() + at.w2);
  tiled_product(hidden_grad, logits, w2, false);
  // ReLU passes the gradient only where the unit was active.
  hidden_grad.array() = (hidden.array() > 0.0f).select(hidden_grad.array(), 0.0f);
  dense_backward(hidden_grad, x, grad.data() + at.w1);
  return static_cast<float>(loss_sum / static_cast<double>(rows));
}

EvalResult Mlp::evaluate(Span<const float> params, const Batch& batch,
                         Span<float> workspace) const {
  EvalResult result;
  const Index rows = static_cast<Index>(batch.rows);
  if (rows == 0) return result;
  const Index hidden_units = hidden_units_;
  MatrixMap hidden(workspace.data(), rows, hidden_units);
  MatrixMap logits(workspace.data() + rows * hidden_units, rows, num_classes_);
  forward(params, batch, num_features_, hidden_units, num_classes_, hidden, logits);
  softmax_xent_evaluate(logits, batch, &result.loss_sum, &result.correct);
  result.samples = batch.rows;
  return result;
}

void Mlp::init_params(Span<float> params, uint64_t seed) const {
  const Layout at(num_features_, hidden_units_, num_classes_);
  std::fill(params.begin(), params.end(), 0.0f);
  Rng rng(seed);
  // Glorot/Xavier uniform keeps activation variance roughly constant across the layers.
  auto fill_uniform = [&rng, &params](Index begin, Index end, double fan_in, double fan_out) {
    const float limit = static_cast<float>(std::sqrt(6.0 / (fan_in + fan_out)));
    for (Index i = begin; i < end; ++i) {
      params[static_cast<size_t>(i)] = (2.0f * rng.uniform_float() - 1.0f) * limit;
    }
  };
  fill_uniform(at.w1, at.b1, num_features_, hidden_units_);
  fill_uniform(at.w2, at.b2, hidden_units_, num_classes_);
}

}  // namespace fedgate
