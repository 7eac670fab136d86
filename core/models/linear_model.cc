#include "core/models/linear_model.h"

#include <algorithm>

#include "core/models/model_kernels.h"

namespace fedgate {

using namespace models_detail;  // NOLINT: internal helpers of this module

namespace {

// The per-sample pieces of each loss, as functions of z and the sample's target y.
struct SquaredLoss {
  static float target(const Batch& batch, size_t i) { return target_at(batch, i); }
  static double loss(float z, float y) {
    const float r = z - y;
    return 0.5 * static_cast<double>(r) * static_cast<double>(r);
  }
  static float dz(float z, float y) { return z - y; }
  static bool correct(float /*z*/, float /*y*/) { return false; }  // regression: no accuracy
};

struct LogisticLoss {
  // 1 for a positive sample; samples without labels count as negative.
  static float target(const Batch& batch, size_t i) { return label_at(batch, i) > 0 ? 1.0f : 0.0f; }
  // log(1 + exp(z)) - y z equals log(1 + exp(-s z)), s = 2y - 1.
  static double loss(float z, float y) { return static_cast<double>(softplus(z) - y * z); }
  static float dz(float z, float y) { return sigmoid(z) - y; }
  static bool correct(float z, float y) { return (z > 0.0f) == (y > 0.5f); }
};

template <typename Loss>
float loss_and_gradient_of(Span<const float> params, const Batch& batch, Index features,
                           Span<float> grad, Span<float> workspace) {
  return linear_loss_and_gradient(params, batch, features, grad, workspace,
                                  [&batch](float z, size_t i) {
                                    const float y = Loss::target(batch, i);
                                    return PointLoss{Loss::loss(z, y), Loss::dz(z, y)};
                                  });
}

template <typename Loss>
EvalResult evaluate_of(Span<const float> params, const Batch& batch, Index features,
                       Span<float> workspace) {
  EvalResult result;
  if (batch.rows == 0) return result;
  const VectorMap z = linear_outputs(params, batch, features, workspace);
  for (size_t i = 0; i < batch.rows; ++i) {
    const float zi = z(static_cast<Index>(i));
    const float y = Loss::target(batch, i);
    result.loss_sum += Loss::loss(zi, y);
    if (Loss::correct(zi, y)) ++result.correct;
  }
  result.samples = batch.rows;
  return result;
}

}  // namespace

ModelSpec LinearModel::spec() const {
  const uint32_t classes = kind_ == ModelKind::kBinaryLogistic ? 2 : 1;
  return ModelSpec{kind_, num_features_, classes, /*hidden_units=*/0, bias_};
}

float LinearModel::loss_and_gradient(Span<const float> params, const Batch& batch, Span<float> grad,
                                     Span<float> workspace) const {
  if (kind_ == ModelKind::kBinaryLogistic) {
    return loss_and_gradient_of<LogisticLoss>(params, batch, num_features_, grad, workspace);
  }
  return loss_and_gradient_of<SquaredLoss>(params, batch, num_features_, grad, workspace);
}

EvalResult LinearModel::evaluate(Span<const float> params, const Batch& batch,
                                 Span<float> workspace) const {
  if (kind_ == ModelKind::kBinaryLogistic) {
    return evaluate_of<LogisticLoss>(params, batch, num_features_, workspace);
  }
  return evaluate_of<SquaredLoss>(params, batch, num_features_, workspace);
}

void LinearModel::init_params(Span<float> params, uint64_t /*seed*/) const {
  std::fill(params.begin(), params.end(), 0.0f);
}

}  // namespace fedgate
