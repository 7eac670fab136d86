#include "coordinator/limits.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>

namespace fedgate {

std::string printable_id(const std::string& id, size_t max_bytes) {
  std::string text;
  const size_t shown = std::min(id.size(), max_bytes);
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      text += static_cast<char>(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      text += escaped;
    }
  }
  if (shown < id.size()) text += "...";
  return text;
}

uint32_t chunk_floor(const LimitSettings& limits, size_t model_dim, uint32_t chunk_floats) {
  const size_t most = std::max<uint32_t>(limits.max_model_chunks, 1);
  const size_t floor = std::min<size_t>((model_dim + most - 1) / most, chunk_floats);
  return static_cast<uint32_t>(std::max<size_t>(floor, 1));
}

int send_hwm_for(const LimitSettings& limits, size_t model_dim, uint32_t chunk_floats) {
  if (limits.send_hwm != 0) return static_cast<int>(limits.send_hwm);
  const size_t floor = chunk_floor(limits, model_dim, chunk_floats);
  const size_t chunks = (model_dim + floor - 1) / floor;
  return static_cast<int>(std::min<size_t>(4 * chunks + 64, 1u << 20));
}

uint64_t max_pending_bytes_for(const LimitSettings& limits, int64_t transport_limit_bytes) {
  if (limits.max_pending_bytes != 0) return limits.max_pending_bytes;
  return static_cast<uint64_t>(transport_limit_bytes) + (64u << 10);
}

UpdateGuard::UpdateGuard(const LimitSettings& settings, uint32_t acceptance_window)
    : settings_(settings),
      staleness_bound_(settings.max_staleness != 0 ? settings.max_staleness : acceptance_window) {
  history_.reserve(kHistory);
}

double UpdateGuard::median() const {
  std::vector<double> sorted(history_);
  const auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
  std::nth_element(sorted.begin(), middle, sorted.end());
  return *middle;
}

UpdateGuard::NormCheck UpdateGuard::check_norm(double norm, uint32_t gradients) {
  // A summed gradient of b minibatch gradients is held to b times the bound.
  const double b = std::max<uint32_t>(gradients, 1);
  double bound = settings_.max_update_norm > 0 ? settings_.max_update_norm * b : 0;
  if (settings_.max_norm_ratio > 0 && history_.size() >= kWarmUp) {
    const double relative = settings_.max_norm_ratio * median() * b;
    if (relative > 0) bound = bound > 0 ? std::min(bound, relative) : relative;
  }
  NormCheck check;
  check.bound = bound;
  if (bound > 0 && norm > bound) {
    if (!settings_.clip) {
      check.refuse = true;
      return check;
    }
    check.scale = bound / norm;
  }
  // The clipped norm goes into the history, so outliers cannot drag the median up.
  const double recorded = norm * check.scale / b;
  if (history_.size() < kHistory) {
    history_.push_back(recorded);
  } else {
    history_[next_] = recorded;
    next_ = (next_ + 1) % kHistory;
  }
  return check;
}

bool UpdateGuard::stays_finite(Span<const float> x, Span<const float> g, double scale) {
  const float s = static_cast<float>(scale);
  if (!std::isfinite(s)) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i] - s * g[i])) return false;
  }
  return true;
}

}  // namespace fedgate
