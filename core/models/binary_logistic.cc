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
  return linear_loss_and_gradient(params, batch, num_features_, grad, workspace,
                                  [&batch](float z, size_t i) {
                                    const float y = label01(batch, i);
                                    // log(1 + exp(z)) - y z equals log(1 + exp(-s z)), s = 2y - 1.
                                    return PointLoss{static_cast<double>(softplus(z) - y * z),
                                                     sigmoid(z) - y};
                                  });
}

EvalResult BinaryLogistic::evaluate(Span<const float> params, const Batch& batch,
                                    Span<float> workspace) const {
  EvalResult result;
  if (batch.rows == 0) return result;
  const VectorMap z = linear_outputs(params, batch, num_features_, workspace);
  for (size_t i = 0; i < batch.rows; ++i) {
    const float zi = z(static_cast<Index>(i));
    const float y = label01(batch, i);
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
