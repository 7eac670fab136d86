#include "core/models/softmax_regression.h"

#include <algorithm>

#include "core/models/model_kernels.h"

namespace fedgate {

using namespace models_detail;  // NOLINT: internal helpers of this module

namespace {

// logits (rows x C) = X W^T + b: one (tiled) matrix product.
MatrixMap compute_logits(Span<const float> params, const Batch& batch, Index features,
                         Index classes, Span<float> workspace) {
  const Index rows = static_cast<Index>(batch.rows);
  const ConstMatrixMap x(batch.features, rows, features);
  MatrixMap logits(workspace.data(), rows, classes);
  dense_forward(logits, x, params.data());
  return logits;
}

}  // namespace

ModelSpec SoftmaxRegression::spec() const {
  return ModelSpec{ModelKind::kSoftmax, num_features_, num_classes_, /*hidden_units=*/0};
}

float SoftmaxRegression::loss_and_gradient(Span<const float> params, const Batch& batch,
                                           Span<float> grad, Span<float> workspace) const {
  const Index rows = static_cast<Index>(batch.rows);
  const Index features = num_features_;
  const Index classes = num_classes_;
  if (rows == 0) {
    std::fill(grad.begin(), grad.end(), 0.0f);
    return 0.0f;
  }
  MatrixMap logits = compute_logits(params, batch, features, classes, workspace);
  // The logits become d(mean loss)/d(logits) in place.
  const double loss_sum = softmax_xent_backward(logits, batch, 1.0f / static_cast<float>(rows));
  const ConstMatrixMap x(batch.features, rows, features);
  dense_backward(logits, x, grad.data());
  return static_cast<float>(loss_sum / static_cast<double>(rows));
}

EvalResult SoftmaxRegression::evaluate(Span<const float> params, const Batch& batch,
                                       Span<float> workspace) const {
  EvalResult result;
  if (batch.rows == 0) return result;
  const MatrixMap logits = compute_logits(params, batch, num_features_, num_classes_, workspace);
  softmax_xent_evaluate(logits, batch, &result.loss_sum, &result.correct);
  result.samples = batch.rows;
  return result;
}

void SoftmaxRegression::init_params(Span<float> params, uint64_t /*seed*/) const {
  std::fill(params.begin(), params.end(), 0.0f);
}

}  // namespace fedgate
