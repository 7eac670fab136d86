// AetDiminishingStepsize: the sqrt-decay schedule of AET-SGD's reference code
// (Nguyen, Han, arXiv 2112.13935; docs/algorithms.md [P5]): gamma = eta0 / (1 + b sqrt(t)),
// never below min_gamma. The code decays by the node's local iteration count;
// in the star port the only clock every update shares is the model version, so
// t = StepContext::current_version (see docs/algorithms.md).
#pragma once

#include "coordinator/policy_entry.h"
#include "coordinator/stepsize/stepsize_policy.h"

namespace fedgate {

class AetDiminishingStepsize : public StepsizePolicy {
 public:
  AetDiminishingStepsize(double eta0, double b, double min_gamma)
      : eta0_(eta0), b_(b), min_gamma_(min_gamma) {}

  const char* name() const override { return "aet-diminishing"; }
  double gamma(const StepContext& step) override;
  PolicySettings settings() const override;

 private:
  double eta0_;
  double b_;
  double min_gamma_;
};

}  // namespace fedgate
