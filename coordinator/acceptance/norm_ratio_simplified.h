// NormRatioSimplified: the O(1) variant of norm-gated acceptance. The distance
// ||x_t - x_v|| is bounded by the triangle inequality with prefix sums of the
// applied step lengths, P_t = sum_{s<t} gamma_s ||g_s||: accept iff
// ||g|| >= lambda * (P_t - P_v). Anything it accepts the exact rule accepts
// too. Memory: `window` doubles.
#pragma once

#include <vector>

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

class NormRatioSimplified : public AcceptancePolicy {
 public:
  NormRatioSimplified(double lambda, uint32_t window);

  const char* name() const override { return "norm-ratio-simplified"; }
  Verdict decide(const OfferContext& offer) override;
  void on_applied(const AppliedStep& step, const GlobalModel& model) override;
  PolicySettings settings() const override;
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

  // P_t - P_v, the bound the rule compares against.
  double distance_bound(uint32_t offer_version, uint32_t current_version) const;

 private:
  double lambda_;
  uint32_t window_;
  std::vector<double> prefix_;  // prefix_[v % window_] = P_v
};

}  // namespace fedgate
