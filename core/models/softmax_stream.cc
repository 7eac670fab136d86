#include "core/models/softmax_stream.h"

#include <cmath>

namespace fedgate {

void SoftmaxStream::begin(Span<float> grad) {
  for (float& g : grad) g = 0.0f;
  loss_sum_ = 0;
}

void SoftmaxStream::logits(Span<const float> params, const uint8_t* pixels, float scale,
                           Span<float> out) const {
  const float* bias = params.data() + static_cast<size_t>(num_classes_) * num_features_;
  for (uint32_t c = 0; c < num_classes_; ++c) {
    const float* w = params.data() + static_cast<size_t>(c) * num_features_;
    float z = 0.0f;
    for (uint32_t f = 0; f < num_features_; ++f) z += w[f] * static_cast<float>(pixels[f]);
    out[c] = z * scale + bias[c];
  }
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
    const float delta = scratch[c];
    grad_bias[c] += delta;
    const float delta_scaled = delta * scale;
    float* g = grad.data() + static_cast<size_t>(c) * num_features_;
    for (uint32_t f = 0; f < num_features_; ++f)
      g[f] += delta_scaled * static_cast<float>(pixels[f]);
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
