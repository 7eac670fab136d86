// NormRatioExact: Ahmed et al.'s norm-gated acceptance with the true model
// distance. Accept iff ||g|| >= lambda * ||x_t - x_v|| (always when t == v).
// Keeps the last `window` model snapshots in a VersionStore (4 * window * d
// bytes); offers older than the window get Verdict::kOutsideWindow.
#pragma once

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

  // ||x_t - x_v||, the distance the rule compares against.
  double distance(uint32_t offer_version, const GlobalModel& model) const;

 private:
  double lambda_;
  VersionStore versions_;
};

}  // namespace fedgate
