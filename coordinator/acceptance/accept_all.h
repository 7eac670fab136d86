// AcceptAll: every offer is accepted (vanilla asynchronous SGD).
#pragma once

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

class AcceptAll : public AcceptancePolicy {
 public:
  const char* name() const override { return "accept-all"; }
  Verdict decide(const OfferContext&) override { return Verdict::kAccept; }
  void on_applied(const AppliedStep&, const GlobalModel&) override {}
  PolicySettings settings() const override { return {}; }
};

}  // namespace fedgate
