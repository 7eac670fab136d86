// NormRatioExact: Ahmed et al.'s norm-gated acceptance with the true model
// distance. Accept iff ||g|| >= lambda * ||x_t - x_v|| (always when t == v).
// Keeps the last `window` model snapshots in a VersionStore (4 * window * d
// bytes); offers older than the window get Verdict::kOutsideWindow.
// The distance costs O(d); it is computed once per offered version and model
// version (offers at the same version reuse it until the next commit).
#pragma once

#include <vector>

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/policy_entry.h"
#include "coordinator/version_store.h"

namespace fedgate {

class NormRatioExact : public AcceptancePolicy {
 public:
  NormRatioExact(double lambda, uint32_t window, const GlobalModel& model);

  const char* name() const override { return "norm-ratio-exact"; }
  Verdict decide(const OfferContext& offer) override;
  void on_applied(const AppliedStep& step, const GlobalModel& model) override;
  PolicySettings settings() const override;
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

  // ||x_t - x_v||, the distance the rule compares against (computed, never cached).
  double distance(uint32_t offer_version, const GlobalModel& model) const;

 private:
  // distance(), remembered for the current model version.
  double cached_distance(uint32_t offer_version, const GlobalModel& model);

  double lambda_;
  VersionStore versions_;
  // Slot v % window: the distance of version v, or < 0 when not yet computed.
  std::vector<double> distances_;
};

}  // namespace fedgate
