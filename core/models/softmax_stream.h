// Softmax regression gradient accumulated one sample at a time, for devices
// that cannot hold a float minibatch (32 x 784 floats = 100 KB): a sample is
// read straight from 8-bit pixels (e.g. in flash) and scaled on the fly.
//
// Same model, layout and loss as SoftmaxRegression (W: C x F row-major, then b),
// so begin() + add() per sample + finish(rows) gives the gradient of the mean
// cross-entropy that SoftmaxRegression::loss_and_gradient() computes for the
// same batch. Owns nothing; the caller passes params, grad (dim floats) and a
// scratch of C floats. No heap, no Eigen.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/span.h"

namespace fedgate {

class SoftmaxStream {
 public:
  SoftmaxStream(uint32_t num_features, uint32_t num_classes)
      : num_features_(num_features), num_classes_(num_classes) {}

  size_t dim() const { return static_cast<size_t>(num_classes_) * num_features_ + num_classes_; }
  size_t scratch_floats() const { return num_classes_; }

  // Zeroes `grad` and the running loss.
  void begin(Span<float> grad);
  // Adds one sample's loss gradient (x_f = pixels[f] * scale) to `grad`. A label outside
  // [0, C) contributes its log-sum-exp and no one-hot term, as in SoftmaxRegression.
  void add(Span<const float> params, const uint8_t* pixels, float scale, int32_t label,
           Span<float> grad, Span<float> scratch);
  // Divides by `rows`: `grad` becomes the gradient of the mean loss, which is returned.
  float finish(Span<float> grad, size_t rows);

  // Class with the largest logit for one sample (for on-device accuracy checks).
  uint32_t predict(Span<const float> params, const uint8_t* pixels, float scale,
                   Span<float> scratch) const;

 private:
  void logits(Span<const float> params, const uint8_t* pixels, float scale, Span<float> out) const;

  uint32_t num_features_;
  uint32_t num_classes_;
  double loss_sum_ = 0;
};

}  // namespace fedgate
