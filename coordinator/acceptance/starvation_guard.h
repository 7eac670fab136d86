// StarvationGuard: a decorator over any acceptance policy (docs/algorithms.md [P1],
// safeguard). A slow client (an MCU) whose gradients always arrive stale can be
// rejected forever by a norm gate; after `limit` consecutive rejections of one
// client (outside-window verdicts count too) its next offer is accepted
// whatever the inner policy says, and update_scale() damps that update with
// Mishchenko's delay-adaptive factor M / max(M, tau), M = the concurrency.
// docs/algorithms.md says why that factor.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/policy_params.h"

namespace fedgate {

// The guard's one setting, [acceptance] starvation_limit (beside `policy`,
// since it wraps whichever acceptance policy is chosen).
inline constexpr ParamSpec kStarvationLimit{
    "starvation_limit",
    ParamKind::kCount,
    0,
    0,
    1e6,
    "after this many consecutive rejections of one client its next offer is accepted, with the "
    "stepsize times M / max(M, tau); 0 = off; when not given, 3 under a norm-ratio rule"};
// R when the config does not set it: on under the norm-ratio rules, which
// otherwise starve slow clients (R = 3 as in docs/algorithms.md), else off.
uint32_t default_starvation_limit(const std::string& acceptance);
inline constexpr ParamSpec kStarvationGuardParams[] = {kStarvationLimit};

class StarvationGuard : public AcceptancePolicy {
 public:
  StarvationGuard(std::unique_ptr<AcceptancePolicy> inner, uint32_t limit)
      : inner_(std::move(inner)), limit_(limit) {}

  const char* name() const override { return inner_->name(); }
  Verdict decide(const OfferContext& offer) override;
  void on_applied(const AppliedStep& step, const GlobalModel& model) override {
    inner_->on_applied(step, model);
  }
  // The inner policy's settings plus starvation_limit.
  PolicySettings settings() const override;
  double update_scale(const std::string& client, uint32_t staleness, uint32_t concurrency) override;
  void on_client_left(const std::string& client) override;
  // Its own counts per client, then the inner policy's state.
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

  const AcceptancePolicy& inner() const { return *inner_; }
  // Offers accepted against the inner policy's verdict so far.
  uint64_t forced_accepts() const override { return forced_; }
  // Consecutive rejections of `client` so far.
  uint32_t rejections(const std::string& client) const;

 private:
  struct ClientState {
    uint32_t rejections = 0;
    bool forced = false;  // its accepted offer was forced: damp the update
  };

  std::unique_ptr<AcceptancePolicy> inner_;
  uint32_t limit_;
  uint64_t forced_ = 0;
  std::map<std::string, ClientState> clients_;
};

// Wraps `inner` when limit > 0, else returns it unchanged.
std::unique_ptr<AcceptancePolicy> with_starvation_guard(std::unique_ptr<AcceptancePolicy> inner,
                                                        uint32_t limit);

}  // namespace fedgate
