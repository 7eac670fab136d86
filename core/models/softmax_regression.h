// SoftmaxRegression: multinomial logistic regression, logits z = W x + b, cross-entropy loss
// computed through log-sum-exp with the row maximum subtracted.
//
// Owns nothing (shapes only). Parameter layout: W (C x F, row-major: W[c * F + f]) followed by
// b (C floats), dim = C * F + C (784 features, 10 classes: 7850).
// Scratch: C floats per row (the logits, turned into their gradient in place).
// Labels must lie in [0, C); an out-of-range label is never used as an index.
#pragma once

#include "core/models/model.h"

namespace fedgate {

class SoftmaxRegression final : public Model {
 public:
  SoftmaxRegression(uint32_t num_features, uint32_t num_classes)
      : num_features_(num_features), num_classes_(num_classes) {}

  ModelSpec spec() const override;
  size_t dim() const override {
    return static_cast<size_t>(num_classes_) * num_features_ + num_classes_;
  }
  size_t workspace_floats(size_t rows) const override { return rows * num_classes_; }
  float loss_and_gradient(Span<const float> params, const Batch& batch, Span<float> grad,
                          Span<float> workspace) const override;
  EvalResult evaluate(Span<const float> params, const Batch& batch,
                      Span<float> workspace) const override;
  void init_params(Span<float> params, uint64_t seed) const override;

 private:
  uint32_t num_features_;
  uint32_t num_classes_;
};

}  // namespace fedgate
