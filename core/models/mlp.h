// Mlp: one hidden ReLU layer and a softmax output, trained with cross-entropy.
//   h = relu(W1 x + b1),  z = W2 h + b2
//
// Owns nothing (shapes only). Parameter layout, all row-major:
//   W1 (H x F) | b1 (H) | W2 (C x H) | b2 (C),  dim = H*F + H + C*H + C.
// Init: W1 and W2 uniform in +-sqrt(6 / (fan_in + fan_out)) (Glorot) from Rng(seed), in that
// order; biases 0.
// Scratch: 2H + C floats per row (activations, their gradient, logits).
// Labels must lie in [0, C); an out-of-range label is never used as an index.
#pragma once

#include "core/models/model.h"

namespace fedgate {

class Mlp final : public Model {
 public:
  Mlp(uint32_t num_features, uint32_t hidden_units, uint32_t num_classes)
      : num_features_(num_features), hidden_units_(hidden_units), num_classes_(num_classes) {}

  ModelSpec spec() const override;
  size_t dim() const override;
  size_t workspace_floats(size_t rows) const override {
    return rows * (2 * static_cast<size_t>(hidden_units_) + num_classes_);
  }
  float loss_and_gradient(Span<const float> params, const Batch& batch, Span<float> grad,
                          Span<float> workspace) const override;
  EvalResult evaluate(Span<const float> params, const Batch& batch,
                      Span<float> workspace) const override;
  void init_params(Span<float> params, uint64_t seed) const override;

 private:
  uint32_t num_features_;
  uint32_t hidden_units_;
  uint32_t num_classes_;
};

}  // namespace fedgate
