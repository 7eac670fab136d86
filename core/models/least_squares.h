// LeastSquares: linear regression, per-sample loss 0.5 * (w.x + b - y)^2.
//
// Owns nothing (shapes only). Parameter layout: [w (F floats), b], dim = F + 1.
// Targets come from Batch::targets, or from the labels as floats when targets is null.
// Scratch: one float per row.
#pragma once

#include "core/models/model.h"

namespace fedgate {

class LeastSquares final : public Model {
 public:
  explicit LeastSquares(uint32_t num_features) : num_features_(num_features) {}

  ModelSpec spec() const override;
  size_t dim() const override { return static_cast<size_t>(num_features_) + 1; }
  size_t workspace_floats(size_t rows) const override { return rows; }
  float loss_and_gradient(Span<const float> params, const Batch& batch, Span<float> grad,
                          Span<float> workspace) const override;
  EvalResult evaluate(Span<const float> params, const Batch& batch,
                      Span<float> workspace) const override;
  void init_params(Span<float> params, uint64_t seed) const override;

 private:
  uint32_t num_features_;
};

}  // namespace fedgate
