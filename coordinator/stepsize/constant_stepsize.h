// ConstantStepsize: gamma is the same for every update, whatever its delay.
// CE-ASGD's claim is that norm gating makes this enough (docs/algorithms.md [P1]).
#pragma once

#include "coordinator/policy_entry.h"
#include "coordinator/stepsize/stepsize_policy.h"

namespace fedgate {

class ConstantStepsize : public StepsizePolicy {
 public:
  explicit ConstantStepsize(double gamma) : gamma_(gamma) {}
  const char* name() const override { return "constant"; }
  double gamma(const StepContext&) override { return gamma_; }
  PolicySettings settings() const override { return {{"gamma", gamma_}}; }

 private:
  double gamma_;
};

}  // namespace fedgate
