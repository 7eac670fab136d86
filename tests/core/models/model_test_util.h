// Shared fixtures for the model tests: random problems, batch views, double-precision
// reference losses (independent plain loops) and small helpers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/base/rng.h"
#include "core/data/dataset.h"
#include "core/models/model.h"

namespace fedgate {
namespace testing_models {

// A batch's backing storage.
struct Problem {
  size_t features = 0;
  size_t rows = 0;
  std::vector<float> x;
  std::vector<int32_t> labels;
  std::vector<float> targets;

  Batch batch() const { return slice(0, rows); }
  Batch slice(size_t start, size_t count) const {
    Batch b;
    b.features = x.data() + start * features;
    b.labels = labels.empty() ? nullptr : labels.data() + start;
    b.targets = targets.empty() ? nullptr : targets.data() + start;
    b.rows = count;
    return b;
  }
};

// Gaussian features; labels uniform in [0, classes) (none when classes == 0); targets gaussian.
inline Problem random_problem(size_t rows, size_t features, uint32_t classes, uint64_t seed,
                              bool with_targets = false) {
  Rng rng(seed);
  Problem p;
  p.features = features;
  p.rows = rows;
  p.x.resize(rows * features);
  for (float& v : p.x) v = static_cast<float>(rng.normal());
  if (classes > 0) {
    p.labels.resize(rows);
    for (int32_t& l : p.labels) l = static_cast<int32_t>(rng.uniform(classes));
  }
  if (with_targets) {
    p.targets.resize(rows);
    for (float& t : p.targets) t = static_cast<float>(rng.normal());
  }
  return p;
}

inline std::vector<float> random_params(size_t dim, uint64_t seed, double scale = 0.5) {
  Rng rng(seed);
  std::vector<float> params(dim);
  for (float& v : params) v = static_cast<float>(scale * rng.normal());
  return params;
}

// Runs loss_and_gradient with an exactly sized workspace.
inline std::vector<float> gradient_of(const Model& model, const std::vector<float>& params,
                                      const Batch& batch, float* loss = nullptr) {
  std::vector<float> grad(model.dim(), 0.0f);
  std::vector<float> workspace(model.workspace_floats(batch.rows));
  const float l = model.loss_and_gradient(params, batch, grad, workspace);
  if (loss != nullptr) *loss = l;
  return grad;
}

inline EvalResult evaluate_of(const Model& model, const std::vector<float>& params,
                              const Batch& batch) {
  std::vector<float> workspace(model.workspace_floats(batch.rows));
  return model.evaluate(params, batch, workspace);
}

// ---- double-precision reference losses (mean over the problem's rows) ----

inline double log_sum_exp(const std::vector<double>& z) {
  const double max = *std::max_element(z.begin(), z.end());
  double sum = 0.0;
  for (double v : z) sum += std::exp(v - max);
  return max + std::log(sum);
}

// Mean over the rows of point_loss(z_i, i), z_i = w.x_i + b (the bias is the last parameter).
template <typename PointLoss>
double ref_linear(const std::vector<double>& p, const Problem& data, PointLoss point_loss) {
  const size_t f = data.features;
  double total = 0.0;
  for (size_t i = 0; i < data.rows; ++i) {
    double z = p[f];
    for (size_t j = 0; j < f; ++j) z += p[j] * data.x[i * f + j];
    total += point_loss(z, i);
  }
  return total / static_cast<double>(data.rows);
}

inline double ref_least_squares(const std::vector<double>& p, const Problem& data) {
  return ref_linear(p, data, [&data](double z, size_t i) {
    const double y = data.targets.empty() ? data.labels[i] : data.targets[i];
    return 0.5 * (z - y) * (z - y);
  });
}

inline double ref_logistic(const std::vector<double>& p, const Problem& data) {
  return ref_linear(p, data, [&data](double z, size_t i) {
    const double s = data.labels[i] == 1 ? 1.0 : -1.0;
    return std::log1p(std::exp(-s * z));
  });
}

inline double ref_softmax(const std::vector<double>& p, const Problem& data, size_t classes) {
  const size_t f = data.features;
  double total = 0.0;
  std::vector<double> z(classes);
  for (size_t i = 0; i < data.rows; ++i) {
    for (size_t c = 0; c < classes; ++c) {
      z[c] = p[classes * f + c];
      for (size_t j = 0; j < f; ++j) z[c] += p[c * f + j] * data.x[i * f + j];
    }
    total += log_sum_exp(z) - z[static_cast<size_t>(data.labels[i])];
  }
  return total / static_cast<double>(data.rows);
}

inline double ref_mlp(const std::vector<double>& p, const Problem& data, size_t hidden,
                      size_t classes) {
  const size_t f = data.features;
  const size_t b1 = hidden * f, w2 = b1 + hidden, b2 = w2 + classes * hidden;
  double total = 0.0;
  std::vector<double> h(hidden), z(classes);
  for (size_t i = 0; i < data.rows; ++i) {
    for (size_t u = 0; u < hidden; ++u) {
      double a = p[b1 + u];
      for (size_t j = 0; j < f; ++j) a += p[u * f + j] * data.x[i * f + j];
      h[u] = a > 0.0 ? a : 0.0;
    }
    for (size_t c = 0; c < classes; ++c) {
      z[c] = p[b2 + c];
      for (size_t u = 0; u < hidden; ++u) z[c] += p[w2 + c * hidden + u] * h[u];
    }
    total += log_sum_exp(z) - z[static_cast<size_t>(data.labels[i])];
  }
  return total / static_cast<double>(data.rows);
}

}  // namespace testing_models
}  // namespace fedgate
