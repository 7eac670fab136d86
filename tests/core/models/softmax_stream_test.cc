#include "core/models/softmax_stream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/base/rng.h"
#include "core/models/softmax_regression.h"

namespace fedgate {
namespace {

TEST(SoftmaxStreamTest, HandComputedSingleSampleAtZeroParameters) {
  // 2 features, 2 classes, params 0: both classes p = 0.5, loss = log 2.
  SoftmaxStream model(2, 2);
  ASSERT_EQ(model.dim(), 6u);
  std::vector<float> params(6, 0.0f), grad(6, 7.0f), scratch(2);
  const uint8_t pixels[2] = {100, 200};
  model.begin(grad);
  model.add(params, pixels, 0.01f, 0, grad, scratch);  // x = (1, 2), label 0
  const float loss = model.finish(grad, 1);
  EXPECT_NEAR(loss, std::log(2.0f), 1e-6);
  // dW[c] = (p_c - y_c) x, db = p - y.
  const float expected[6] = {-0.5f, -1.0f, 0.5f, 1.0f, -0.5f, 0.5f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(grad[i], expected[i], 1e-6) << i;
}

TEST(SoftmaxStreamTest, MatchesSoftmaxRegressionOnAScaledPixelBatch) {
  constexpr uint32_t kFeatures = 50, kClasses = 4, kRows = 9;
  Rng rng(7);
  std::vector<uint8_t> pixels(kRows * kFeatures);
  for (uint8_t& p : pixels) p = static_cast<uint8_t>(rng.uniform(256));
  std::vector<int32_t> labels(kRows);
  for (int32_t& l : labels) l = static_cast<int32_t>(rng.uniform(kClasses));
  std::vector<float> features(pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i) features[i] = pixels[i] / 255.0f;

  SoftmaxRegression reference(kFeatures, kClasses);
  std::vector<float> params(reference.dim());
  for (float& p : params) p = static_cast<float>(rng.normal() * 0.1);
  std::vector<float> want(reference.dim()), workspace(reference.workspace_floats(kRows));
  Batch batch;
  batch.features = features.data();
  batch.labels = labels.data();
  batch.rows = kRows;
  const float want_loss = reference.loss_and_gradient(params, batch, want, workspace);

  SoftmaxStream stream(kFeatures, kClasses);
  ASSERT_EQ(stream.dim(), reference.dim());
  std::vector<float> got(stream.dim()), scratch(stream.scratch_floats());
  stream.begin(got);
  for (uint32_t r = 0; r < kRows; ++r) {
    stream.add(params, pixels.data() + r * kFeatures, 1.0f / 255.0f, labels[r], got, scratch);
  }
  EXPECT_NEAR(stream.finish(got, kRows), want_loss, 1e-5);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5) << i;

  // predict() agrees with the argmax of the reference logits for the first sample.
  float best = -1e30f;
  uint32_t best_class = 0;
  for (uint32_t c = 0; c < kClasses; ++c) {
    float z = params[kClasses * kFeatures + c];
    for (uint32_t f = 0; f < kFeatures; ++f) z += params[c * kFeatures + f] * features[f];
    if (z > best) best = z, best_class = c;
  }
  EXPECT_EQ(stream.predict(params, pixels.data(), 1.0f / 255.0f, scratch), best_class);
}

// The class-major loops SoftmaxStream used before it went feature-major and began skipping
// zero pixels: the reference its sums must equal to the bit.
void class_major_add(const std::vector<float>& params, const uint8_t* pixels, float scale,
                     int32_t label, uint32_t features, uint32_t classes, std::vector<float>& grad) {
  std::vector<float> z(classes);
  for (uint32_t c = 0; c < classes; ++c) {
    float sum = 0.0f;
    for (uint32_t f = 0; f < features; ++f)
      sum += params[c * features + f] * static_cast<float>(pixels[f]);
    z[c] = sum * scale + params[classes * features + c];
  }
  float max = z[0];
  for (uint32_t c = 1; c < classes; ++c) max = z[c] > max ? z[c] : max;
  float total = 0.0f;
  for (uint32_t c = 0; c < classes; ++c) {
    z[c] = std::exp(z[c] - max);
    total += z[c];
  }
  for (uint32_t c = 0; c < classes; ++c) z[c] /= total;
  z[label] -= 1.0f;
  for (uint32_t c = 0; c < classes; ++c) {
    grad[classes * features + c] += z[c];
    const float delta_scaled = z[c] * scale;
    for (uint32_t f = 0; f < features; ++f)
      grad[c * features + f] += delta_scaled * static_cast<float>(pixels[f]);
  }
}

TEST(SoftmaxStreamTest, SkippingZeroPixelsLeavesEveryGradientBitUnchanged) {
  // Fashion-MNIST-like images: about half of the pixels are 0.
  constexpr uint32_t kFeatures = 784, kClasses = 10, kRows = 16;
  Rng rng(11);
  std::vector<uint8_t> pixels(kRows * kFeatures);
  size_t zeros = 0;
  for (uint8_t& p : pixels) {
    p = rng.uniform(2) == 0 ? 0 : static_cast<uint8_t>(1 + rng.uniform(255));
    zeros += p == 0;
  }
  ASSERT_GT(zeros, pixels.size() / 3);
  SoftmaxStream stream(kFeatures, kClasses);
  std::vector<float> params(stream.dim());
  for (float& p : params) p = static_cast<float>(rng.normal() * 0.05);
  std::vector<float> got(stream.dim()), want(stream.dim(), 0.0f), scratch(kClasses);
  stream.begin(got);
  for (uint32_t r = 0; r < kRows; ++r) {
    const int32_t label = static_cast<int32_t>(rng.uniform(kClasses));
    stream.add(params, pixels.data() + r * kFeatures, 1.0f / 255.0f, label, got, scratch);
    class_major_add(params, pixels.data() + r * kFeatures, 1.0f / 255.0f, label, kFeatures,
                    kClasses, want);
  }
  // Bit patterns, not values: the claim is that no bit changes.
  for (size_t i = 0; i < got.size(); ++i) {
    uint32_t got_bits = 0, want_bits = 0;
    std::memcpy(&got_bits, &got[i], sizeof(float));
    std::memcpy(&want_bits, &want[i], sizeof(float));
    ASSERT_EQ(got_bits, want_bits) << i << ": " << got[i] << " against " << want[i];
  }
}

}  // namespace
}  // namespace fedgate
