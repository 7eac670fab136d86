#include "core/models/least_squares.h"

#include <algorithm>

#include "core/models/model_kernels.h"

namespace fedgate {

using namespace models_detail;  // NOLINT: internal helpers of this module

ModelSpec LeastSquares::spec() const {
  ModelSpec spec;
  spec.kind = ModelKind::kLeastSquares;
  spec.num_features = num_features_;
  spec.num_classes = 1;
  return spec;
}

float LeastSquares::loss_and_gradient(Span<const float> params, const Batch& batch,
                                      Span<float> grad, Span<float> workspace) const {
  const Index rows = static_cast<Index>(batch.rows);
  const Index features = num_features_;
  if (rows == 0) {
    std::fill(grad.begin(), grad.end(), 0.0f);
    return 0.0f;
  }
  const ConstMatrixMap x(batch.features, rows, features);
  const ConstVectorMap w(params.data(), features);
  VectorMap residual(workspace.data(), rows);
  residual.noalias() = x * w;
  const float scale = 1.0f / static_cast<float>(rows);
  double loss_sum = 0.0;
  for (Index i = 0; i < rows; ++i) {
    const float r = residual(i) + params[features] - target_at(batch, static_cast<size_t>(i));
    loss_sum += 0.5 * static_cast<double>(r) * static_cast<double>(r);
    residual(i) = r * scale;
  }
  VectorMap grad_w(grad.data(), features);
  grad_w.noalias() = x.transpose() * residual;
  grad[features] = residual.sum();
  return static_cast<float>(loss_sum / static_cast<double>(rows));
}

EvalResult LeastSquares::evaluate(Span<const float> params, const Batch& batch,
                                  Span<float> workspace) const {
  EvalResult result;
  const Index rows = static_cast<Index>(batch.rows);
  if (rows == 0) return result;
  const Index features = num_features_;
  const ConstMatrixMap x(batch.features, rows, features);
  const ConstVectorMap w(params.data(), features);
  VectorMap prediction(workspace.data(), rows);
  prediction.noalias() = x * w;
  for (Index i = 0; i < rows; ++i) {
    const float r = prediction(i) + params[features] - target_at(batch, static_cast<size_t>(i));
    result.loss_sum += 0.5 * static_cast<double>(r) * static_cast<double>(r);
  }
  result.samples = batch.rows;
  return result;
}

void LeastSquares::init_params(Span<float> params, uint64_t /*seed*/) const {
  std::fill(params.begin(), params.end(), 0.0f);
}

}  // namespace fedgate
