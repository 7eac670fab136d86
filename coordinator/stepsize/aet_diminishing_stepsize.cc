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

namespace {

constexpr ParamSpec kEta0{"eta0", ParamKind::kNumber, 0.01, 1e-12, 1e6, "the first stepsize"};
constexpr ParamSpec kB{
    "b", ParamKind::kNumber, 0.01, 0.0, 1e6, "decay rate; 0 = the constant stepsize eta0"};
constexpr ParamSpec kMinGamma{
    "min_gamma", ParamKind::kNumber, 1e-7, 0.0, 1e6, "floor of the stepsize; at most eta0"};
constexpr ParamSpec kParams[] = {kEta0, kB, kMinGamma};

Result<std::unique_ptr<StepsizePolicy>> make(const PolicyParams& params, const PolicyContext&) {
  FG_ASSIGN_OR_RETURN(double eta0, params.number(kEta0));
  // b = 0 is allowed: it is the constant stepsize eta0, a useful ablation.
  FG_ASSIGN_OR_RETURN(double b, params.number(kB));
  // A floor above eta0 would make the schedule a constant min_gamma: almost
  // certainly a typo, so the floor must lie in [0, eta0].
  FG_ASSIGN_OR_RETURN(double min_gamma, params.number(kMinGamma.with_max(eta0)));
  return std::unique_ptr<StepsizePolicy>(new AetDiminishingStepsize(eta0, b, min_gamma));
}

}  // namespace

extern const StepsizeEntry kAetDiminishingStepsizeEntry = {
    "aet-diminishing", "max(eta0 / (1 + b * sqrt(t)), min_gamma), t = model version (AET-SGD)",
    param_table(kParams), make};

}  // namespace fedgate
