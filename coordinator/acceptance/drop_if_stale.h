// DropIfStale: the eta_t = 0 branch of Koloskova et al.'s delay-adaptive rule
// (docs/algorithms.md [P2a], Thm 8): a gradient whose delay tau = t - v exceeds the
// concurrency tau_C is dropped. With constant concurrency the average delay is
// O(tau_C), so only the few very late gradients are lost. Unlike the norm
// gates it needs no memory and judges any version, so it never answers
// kOutsideWindow: a stale offer is a plain reject (and the client gets the
// current model).
#pragma once

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

class DropIfStale : public AcceptancePolicy {
 public:
  // max_staleness 0: tau_C is OfferContext::active_clients at each offer, which
  // is the concurrency when every registered client is computing (Example 3).
  explicit DropIfStale(uint32_t max_staleness) : max_staleness_(max_staleness) {}

  const char* name() const override { return "drop-if-stale"; }
  Verdict decide(const OfferContext& offer) override;
  void on_applied(const AppliedStep&, const GlobalModel&) override {}
  PolicySettings settings() const override;

  // The tau_C this offer is judged against.
  uint32_t threshold(const OfferContext& offer) const {
    return max_staleness_ != 0 ? max_staleness_ : offer.active_clients;
  }

 private:
  uint32_t max_staleness_;
};

}  // namespace fedgate
