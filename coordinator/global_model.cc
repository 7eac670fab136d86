#include "coordinator/global_model.h"

#include <Eigen/Core>

namespace fedgate {

void GlobalModel::apply(Span<const float> gradient, double gamma) {
  Eigen::Map<Eigen::VectorXf> x(params_.data(), static_cast<Eigen::Index>(params_.size()));
  Eigen::Map<const Eigen::VectorXf> g(gradient.data(), static_cast<Eigen::Index>(gradient.size()));
  x -= static_cast<float>(gamma) * g;
  ++version_;
}

}  // namespace fedgate
