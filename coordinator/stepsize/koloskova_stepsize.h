// KoloskovaStepsize: the delay-adaptive stepsize of Koloskova, Stich, Jaggi
// (NeurIPS 2022, Thm 8 / eq. 11; docs/algorithms.md [P2a]) in the paper's practical
// form: gamma = eta while tau <= tau_C, eta / tau beyond. Only the rare very
// late gradients are damped, so the rate depends on the average delay, not the
// maximum, with no setting beyond eta. The paper warns it favours fast clients
// under heterogeneous data.
#pragma once

#include "coordinator/policy_entry.h"
#include "coordinator/stepsize/stepsize_policy.h"

namespace fedgate {

class KoloskovaStepsize : public StepsizePolicy {
 public:
  // max_staleness 0: tau_C is StepContext::busy_clients at each step.
  KoloskovaStepsize(double eta, uint32_t max_staleness)
      : eta_(eta), max_staleness_(max_staleness) {}

  const char* name() const override { return "koloskova"; }
  double gamma(const StepContext& step) override;
  PolicySettings settings() const override;

 private:
  double eta_;
  uint32_t max_staleness_;
};

}  // namespace fedgate
