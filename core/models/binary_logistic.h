// BinaryLogistic: logistic regression on labels 0/1, per-sample loss log(1 + exp(-s z)) with
// z = w.x + b and s = +1 for label 1, -1 for label 0 (evaluated in a form that cannot overflow).
//
// Owns nothing (shapes only). Parameter layout: [w (F floats), b], dim = F + 1.
// A label above 0 counts as class 1. A sample is correct when (z > 0) matches its label.
// Scratch: one float per row.
#pragma once

#include "core/models/model.h"

namespace fedgate {

class BinaryLogistic final : public Model {
 public:
  explicit BinaryLogistic(uint32_t num_features) : num_features_(num_features) {}

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
