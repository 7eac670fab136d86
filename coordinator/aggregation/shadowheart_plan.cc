#include "coordinator/aggregation/shadowheart_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fedgate {
namespace {

// [sum_i 1 / (2 tau omega + 4 tau omega h s / t + 2 h s)]^{-1}; decreasing in t.
double inverse_rate(const std::vector<WorkerTimes>& workers, double s, double omega, double t) {
  double sum = 0;
  for (const WorkerTimes& w : workers) {
    const double denominator = 2 * w.tau * omega + 4 * w.tau * omega * w.h * s / t + 2 * w.h * s;
    if (denominator <= 0) return 0;
    sum += 1.0 / denominator;
  }
  return 1.0 / sum;
}

}  // namespace

double shadowheart_fixed_point(const std::vector<WorkerTimes>& workers, double s, double omega) {
  if (workers.empty()) return 0;
  // F(t) falls as t grows, toward t0 = F(infinity), so F(t) >= t0 everywhere:
  // the fixed point lies in [t0, F(t0)], where t - F(t) is increasing, and
  // bisection finds it (the reference code uses fsolve started at t0).
  const double t0 = inverse_rate(workers, s, omega, std::numeric_limits<double>::infinity());
  if (t0 <= 0 || !std::isfinite(t0)) return 0;
  double low = t0, high = inverse_rate(workers, s, omega, t0);
  for (int i = 0; i < 200 && high - low > 1e-12 * high; ++i) {
    const double mid = 0.5 * (low + high);
    if (mid - inverse_rate(workers, s, omega, mid) < 0) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return high;
}

ShadowheartPlan shadowheart_plan(const std::vector<WorkerTimes>& workers, double s, double omega) {
  ShadowheartPlan plan;
  if (workers.empty()) return plan;
  std::vector<WorkerTimes> sorted = workers;
  auto slowest = [](const WorkerTimes& w) { return std::max(w.h, w.tau); };
  std::sort(sorted.begin(), sorted.end(),
            [&](const WorkerTimes& a, const WorkerTimes& b) { return slowest(a) < slowest(b); });
  double best = std::numeric_limits<double>::infinity();
  std::vector<WorkerTimes> prefix;
  for (const WorkerTimes& w : sorted) {
    prefix.push_back(w);
    best = std::min(best, std::max(slowest(w), shadowheart_fixed_point(prefix, s, omega)));
  }
  plan.equilibrium_s = best;
  for (const WorkerTimes& w : workers) {
    // A hair of slack so t* = k h counts k whole gradients despite rounding.
    const double t = best * (1 + 1e-12);
    plan.gradients.push_back(w.h > 0 ? static_cast<uint32_t>(std::floor(t / w.h)) : 1u);
    plan.messages.push_back(w.tau > 0 ? static_cast<uint32_t>(std::floor(t / w.tau)) : 1u);
  }
  return plan;
}

double shadowheart_weight(uint32_t gradients, uint32_t messages, double s, double omega) {
  const double b = std::max<uint32_t>(gradients, 1);
  const double m = std::max<uint32_t>(messages, 1);
  if (s == 0 && omega == 0) return 1.0;
  return 1.0 / (b * omega + omega * s + m * s);
}

}  // namespace fedgate
