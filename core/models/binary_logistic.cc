#include "core/models/binary_logistic.h"

#include <algorithm>

#include "core/models/model_kernels.h"

namespace fedgate {

using namespace models_detail;  // NOLINT: internal helpers of this module

namespace {

// 1 for a positive sample; samples without labels count as negative.
float label01(const Batch& batch, size_t i) { return label_at(batch, i) > 0 ? 1.0f : 0.0f; }

}  // namespace

ModelSpec BinaryLogistic::spec() const {
  ModelSpec spec;
  spec.kind = ModelKind::kBinaryLogistic;
  spec.num_features = num_features_;
  spec.num_classes = 2;
  return spec;
}

float BinaryLogistic::loss_and_gradient(Span<const float> params, const Batch& batch,
                                        Span<float> grad, Span<float> workspace) const {
  const Index rows = static_cast<Index>(batch.rows);
  const Index features = num_features_;
  if (rows == 0) {
    std::fill(grad.begin(), grad.end(), 0.0f);
    return 0.0f;
  }
  const ConstMatrixMap x(batch.features, rows, features);
  const ConstVectorMap w(params.data(), features);
  VectorMap z(workspace.data(), rows);
  z.noalias() = x * w;
  const float scale = 1.0f / static_cast<float>(rows);
  double loss_sum = 0.0;
  for (Index i = 0; i < rows; ++i) {
    const float zi = z(i) + params[features];
    const float y = label01(batch, static_cast<size_t>(i));
    // log(1 + exp(z)) - y z equals log(1 + exp(-s z)) for s = 2y - 1.
    loss_sum += static_cast<double>(softplus(zi) - y * zi);
    z(i) = (sigmoid(zi) - y) * scale;  // d loss_i / d z_i, pre-divided by the batch size
  }
  VectorMap grad_w(grad.data(), features);
  grad_w.noalias() = x.transpose() * z;
  grad[features] = z.sum();
  return static_cast<float>(loss_sum / static_cast<double>(rows));
}

EvalResult BinaryLogistic::evaluate(Span<const float> params, const Batch& batch,
                                    Span<float> workspace) const {
  EvalResult result;
  const Index rows = static_cast<Index>(batch.rows);
  if (rows == 0) return result;
  const Index features = num_features_;
  const ConstMatrixMap x(batch.features, rows, features);
  const ConstVectorMap w(params.data(), features);
  VectorMap z(workspace.data(), rows);
  z.noalias() = x * w;
  for (Index i = 0; i < rows; ++i) {
    const float zi = z(i) + params[features];
    const float y = label01(batch, static_cast<size_t>(i));
    result.loss_sum += static_cast<double>(softplus(zi) - y * zi);
    if ((zi > 0.0f) == (y > 0.5f)) ++result.correct;
  }
  result.samples = batch.rows;
  return result;
}

void BinaryLogistic::init_params(Span<float> params, uint64_t /*seed*/) const {
  std::fill(params.begin(), params.end(), 0.0f);
}

}  // namespace fedgate
