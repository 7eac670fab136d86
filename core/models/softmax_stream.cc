#include "core/models/softmax_stream.h"

#include <cmath>

namespace fedgate {

void SoftmaxStream::begin(Span<float> grad) {
  for (float& g : grad) g = 0.0f;
  loss_sum_ = 0;
}

// Feature-major loops that skip zero pixels (about half of a Fashion-MNIST image): each
// pixel is read and converted once, not once per class. The sums run over f in the same
// order as a class-major loop, and a skipped term only adds a zero, so the result is the
// same to the bit (docs/performance.md, the device side).
void SoftmaxStream::logits(Span<const float> params, const uint8_t* pixels, float scale,
                           Span<float> out) const {
  const float* bias = params.data() + static_cast<size_t>(num_classes_) * num_features_;
  for (uint32_t c = 0; c < num_classes_; ++c) out[c] = 0.0f;
  for (uint32_t f = 0; f < num_features_; ++f) {
    if (pixels[f] == 0) continue;
    const float x = static_cast<float>(pixels[f]);
    const float* w = params.data() + f;  // W[0][f], then a row further for each class
    for (uint32_t c = 0; c < num_classes_; ++c, w += num_features_) out[c] += *w * x;
  }
  for (uint32_t c = 0; c < num_classes_; ++c) out[c] = out[c] * scale + bias[c];
}

void SoftmaxStream::add(Span<const float> params, const uint8_t* pixels, float scale, int32_t label,
                        Span<float> grad, Span<float> scratch) {
  logits(params, pixels, scale, scratch);
  float max = scratch[0];
  for (uint32_t c = 1; c < num_classes_; ++c) max = scratch[c] > max ? scratch[c] : max;
  const bool valid = label >= 0 && static_cast<uint32_t>(label) < num_classes_;
  const float label_logit = valid ? scratch[label] - max : 0.0f;
  float sum = 0.0f;
  for (uint32_t c = 0; c < num_classes_; ++c) {
    scratch[c] = std::exp(scratch[c] - max);
    sum += scratch[c];
  }
  loss_sum_ += static_cast<double>(std::log(sum) - label_logit);
  // d loss / d logit_c = softmax_c - onehot_c.
  for (uint32_t c = 0; c < num_classes_; ++c) scratch[c] /= sum;
  if (valid) scratch[label] -= 1.0f;
  float* grad_bias = grad.data() + static_cast<size_t>(num_classes_) * num_features_;
  for (uint32_t c = 0; c < num_classes_; ++c) {
    grad_bias[c] += scratch[c];
    scratch[c] *= scale;  // from here on, delta_c * scale
  }
  for (uint32_t f = 0; f < num_features_; ++f) {
    if (pixels[f] == 0) continue;
    const float x = static_cast<float>(pixels[f]);
    float* g = grad.data() + f;  // dW[0][f], then a row further for each class
    for (uint32_t c = 0; c < num_classes_; ++c, g += num_features_) *g += scratch[c] * x;
  }
}

float SoftmaxStream::finish(Span<float> grad, size_t rows) {
  if (rows == 0) return 0.0f;
  const float inverse = 1.0f / static_cast<float>(rows);
  for (float& g : grad) g *= inverse;
  return static_cast<float>(loss_sum_ / static_cast<double>(rows));
}

uint32_t SoftmaxStream::predict(Span<const float> params, const uint8_t* pixels, float scale,
                                Span<float> scratch) const {
  logits(params, pixels, scale, scratch);
  uint32_t best = 0;
  for (uint32_t c = 1; c < num_classes_; ++c) best = scratch[c] > scratch[best] ? c : best;
  return best;
}

}  // namespace fedgate
