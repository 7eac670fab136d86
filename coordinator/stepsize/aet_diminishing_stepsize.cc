#include "coordinator/stepsize/aet_diminishing_stepsize.h"

#include <algorithm>
#include <cmath>

namespace fedgate {

double AetDiminishingStepsize::gamma(const StepContext& step) {
  const double t = static_cast<double>(step.current_version);
  return std::max(eta0_ / (1.0 + b_ * std::sqrt(t)), min_gamma_);
}

PolicySettings AetDiminishingStepsize::settings() const {
  return {{"eta0", eta0_}, {"b", b_}, {"min_gamma", min_gamma_}};
}

Result<std::unique_ptr<StepsizePolicy>> make_aet_diminishing_stepsize(const PolicyParams& params) {
  FG_ASSIGN_OR_RETURN(double eta0, params.number("eta0", 0.01, 1e-12, 1e6));
  // b = 0 is allowed: it is the constant stepsize eta0, a useful ablation.
  FG_ASSIGN_OR_RETURN(double b, params.number("b", 0.01, 0.0, 1e6));
  // A floor above eta0 would make the schedule a constant min_gamma: almost
  // certainly a typo, so the floor must lie in [0, eta0].
  FG_ASSIGN_OR_RETURN(double min_gamma, params.number("min_gamma", 1e-7, 0.0, eta0));
  return std::unique_ptr<StepsizePolicy>(new AetDiminishingStepsize(eta0, b, min_gamma));
}

}  // namespace fedgate
