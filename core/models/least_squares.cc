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
  return linear_loss_and_gradient(params, batch, num_features_, grad, workspace,
                                  [&batch](float z, size_t i) {
                                    const float r = z - target_at(batch, i);
                                    return PointLoss{0.5 * static_cast<double>(r) * r, r};
                                  });
}

EvalResult LeastSquares::evaluate(Span<const float> params, const Batch& batch,
                                  Span<float> workspace) const {
  EvalResult result;
  if (batch.rows == 0) return result;
  const VectorMap z = linear_outputs(params, batch, num_features_, workspace);
  for (size_t i = 0; i < batch.rows; ++i) {
    const float r = z(static_cast<Index>(i)) - target_at(batch, i);
    result.loss_sum += 0.5 * static_cast<double>(r) * static_cast<double>(r);
  }
  result.samples = batch.rows;
  return result;
}

void LeastSquares::init_params(Span<float> params, uint64_t /*seed*/) const {
  std::fill(params.begin(), params.end(), 0.0f);
}

}  // namespace fedgate
