// IdentityStaleness: stale gradients are applied as they are (plain ASGD).
#pragma once

#include "coordinator/policy_entry.h"
#include "coordinator/staleness/staleness_policy.h"

namespace fedgate {

class IdentityStaleness : public StalenessPolicy {
 public:
  const char* name() const override { return "identity"; }
  Corrected transform(const StalenessContext&, Span<const float> gradient) override {
    return {gradient, 1.0};
  }
  void on_committed(const GlobalModel&) override {}
  PolicySettings settings() const override { return {}; }
};

}  // namespace fedgate
