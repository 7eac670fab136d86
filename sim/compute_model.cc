#include "sim/compute_model.h"

#include <algorithm>
#include <cmath>

namespace fedgate {
namespace sim {

ComputeModel::ComputeModel(const ComputeSpec& spec, uint32_t clients)
    : spec_(spec), clients_(clients) {
  const auto slow = static_cast<uint32_t>(std::lround(spec.slow_fraction * clients));
  first_slow_ = clients - std::min(slow, clients);
}

double ComputeModel::mean_us(uint32_t index) const {
  const double base = spec_.base_ms * 1000.0;
  switch (spec_.kind) {
    case ComputeKind::kFixed:
    case ComputeKind::kExponential: return base;
    case ComputeKind::kSqrt: return std::sqrt(static_cast<double>(index) + 1.0) * base;
    case ComputeKind::kStraggler:
      return index + 1 == clients_ ? base * spec_.straggler_factor : base;
    case ComputeKind::kMix: return index >= first_slow_ ? base * spec_.slow_ratio : base;
  }
  return base;
}

int64_t ComputeModel::sample_us(uint32_t index, Rng& rng) const {
  double us = mean_us(index);
  if (spec_.kind == ComputeKind::kExponential) {
    double u = rng.uniform_double();
    while (u <= 0.0) u = rng.uniform_double();
    us *= -std::log(u);
  }
  // Jitter breaks the lockstep of fixed times (docs/simulator.md).
  if (spec_.jitter > 0) us *= 1.0 + spec_.jitter * (2.0 * rng.uniform_double() - 1.0);
  // At least 1 us: a gradient is never free, and equal times stay ordered by sequence.
  return std::max<int64_t>(1, std::llround(us));
}

}  // namespace sim
}  // namespace fedgate
