#include "sim/quadratic.h"

#include <cmath>

#include <Eigen/Dense>

#include "core/base/rng.h"

namespace fedgate {
namespace sim {

Dataset make_quadratic_dataset(const QuadraticSpec& spec, uint64_t seed) {
  Rng rng(seed ^ 0x51ADu);
  Dataset data;
  data.num_features = spec.features;
  data.num_classes = 0;
  const double scale = 1.0 / std::sqrt(static_cast<double>(spec.features));
  data.features.resize(static_cast<size_t>(spec.rows) * spec.features);
  for (float& value : data.features) value = static_cast<float>(rng.uniform_double() * scale);
  std::vector<double> x_star(spec.features);
  for (double& value : x_star) value = rng.normal();
  data.targets.resize(spec.rows);
  for (uint32_t j = 0; j < spec.rows; ++j) {
    const float* row = data.row(j);
    double dot = 0;
    for (uint32_t k = 0; k < spec.features; ++k) dot += static_cast<double>(row[k]) * x_star[k];
    data.targets[j] = static_cast<float>(dot + spec.noise * rng.normal());
  }
  return data;
}

double least_squares_optimum(const Dataset& data, bool bias) {
  const Eigen::Index n = static_cast<Eigen::Index>(data.size());
  const Eigen::Index d = data.num_features;
  Eigen::MatrixXd x(n, bias ? d + 1 : d);
  Eigen::VectorXd y(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const float* row = data.row(static_cast<size_t>(j));
    for (Eigen::Index k = 0; k < d; ++k) x(j, k) = row[k];
    if (bias) x(j, d) = 1.0;  // the model's bias
    y(j) = data.targets[static_cast<size_t>(j)];
  }
  const Eigen::MatrixXd gram = x.transpose() * x;
  const Eigen::VectorXd w = gram.ldlt().solve(x.transpose() * y);
  const Eigen::VectorXd residual = x * w - y;
  return 0.5 * residual.squaredNorm() / static_cast<double>(n);
}

}  // namespace sim
}  // namespace fedgate
