// MishchenkoStepsize: the delay-adaptive stepsize of Mishchenko, Bach, Even,
// Woodworth's reference code (NeurIPS 2022; docs/algorithms.md [P2b]):
// gamma_k = gamma * M / max(M, tau_k). Full stepsize while the delay is within
// the number of workers M, then shrinking as M / tau, so the guarantee depends
// on M rather than on the (possibly huge) maximum delay.
#pragma once

#include "coordinator/policy_entry.h"
#include "coordinator/stepsize/stepsize_policy.h"

namespace fedgate {

class MishchenkoStepsize : public StepsizePolicy {
 public:
  // workers 0: M is StepContext::busy_clients at each step (at least 1).
  MishchenkoStepsize(double gamma, uint32_t workers) : gamma_(gamma), workers_(workers) {}

  const char* name() const override { return "mishchenko"; }
  double gamma(const StepContext& step) override;
  PolicySettings settings() const override;

 private:
  double gamma_;
  uint32_t workers_;
};

}  // namespace fedgate
