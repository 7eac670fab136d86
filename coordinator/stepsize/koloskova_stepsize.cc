#include "coordinator/stepsize/koloskova_stepsize.h"

namespace fedgate {

double KoloskovaStepsize::gamma(const StepContext& step) {
  const uint32_t tau_c = max_staleness_ != 0 ? max_staleness_ : step.busy_clients;
  // tau > tau_C >= 0 in the second branch, so tau >= 1 and the division is safe.
  // The step is discontinuous at tau_C (eta, then eta / (tau_C + 1)), as in the paper.
  if (step.staleness <= tau_c) return eta_;
  return eta_ / static_cast<double>(step.staleness);
}

PolicySettings KoloskovaStepsize::settings() const {
  return {{"eta", eta_}, {"max_staleness", static_cast<double>(max_staleness_)}};
}

namespace {

constexpr ParamSpec kEta{
    "eta", ParamKind::kNumber, 0.05, 1e-12, 1e6, "the stepsize of a fresh gradient"};
constexpr ParamSpec kMaxStaleness{
    "max_staleness", ParamKind::kCount, 0, 0, 1u << 20, "tau_C; 0 = the number of busy clients"};
constexpr ParamSpec kParams[] = {kEta, kMaxStaleness};

Result<std::unique_ptr<StepsizePolicy>> make(const PolicyParams& params, const PolicyContext&) {
  FG_ASSIGN_OR_RETURN(double eta, params.number(kEta));
  FG_ASSIGN_OR_RETURN(uint32_t max_staleness, params.count(kMaxStaleness));
  return std::unique_ptr<StepsizePolicy>(new KoloskovaStepsize(eta, max_staleness));
}

}  // namespace

extern const StepsizeEntry kKoloskovaStepsizeEntry = {
    "koloskova", "eta if tau <= tau_C, else eta / tau (Koloskova et al.)", param_table(kParams),
    make};

}  // namespace fedgate
