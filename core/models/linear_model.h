// LinearModel: one output z = w.x + b per sample, for the two one-output models.
//   least squares (ModelKind::kLeastSquares): per-sample loss 0.5 * (z - y)^2, the target y
//     from Batch::targets, or from the labels as floats when targets is null;
//   binary logistic (ModelKind::kBinaryLogistic): per-sample loss log(1 + exp(-s z)) with
//     s = +1 for label 1, -1 for label 0 (evaluated in a form that cannot overflow). A label
//     above 0 counts as class 1; a sample is correct when (z > 0) matches its label.
//
// Owns nothing (shapes only). Parameter layout: [w (F floats), b], dim = F + 1;
// least squares without bias: [w], dim = F.
// Scratch: one float per row.
#pragma once

#include "core/models/model.h"

namespace fedgate {

class LinearModel final : public Model {
 public:
  // `kind` is kLeastSquares or kBinaryLogistic (make_model validates specs from outside);
  // `bias` false drops b (least squares only).
  LinearModel(ModelKind kind, uint32_t num_features, bool bias = true)
      : kind_(kind), num_features_(num_features), bias_(bias) {}

  ModelSpec spec() const override;
  size_t dim() const override { return static_cast<size_t>(num_features_) + (bias_ ? 1 : 0); }
  size_t workspace_floats(size_t rows) const override { return rows; }
  float loss_and_gradient(Span<const float> params, const Batch& batch, Span<float> grad,
                          Span<float> workspace) const override;
  EvalResult evaluate(Span<const float> params, const Batch& batch,
                      Span<float> workspace) const override;
  void init_params(Span<float> params, uint64_t seed) const override;

 private:
  ModelKind kind_;
  uint32_t num_features_;
  bool bias_;
};

}  // namespace fedgate
