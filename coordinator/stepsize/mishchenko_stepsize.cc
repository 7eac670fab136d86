#include "coordinator/stepsize/mishchenko_stepsize.h"

#include <algorithm>

namespace fedgate {

double MishchenkoStepsize::gamma(const StepContext& step) {
  // M >= 1 keeps max(M, tau) >= 1 even when no client is counted as busy.
  const uint32_t m = std::max<uint32_t>(workers_ != 0 ? workers_ : step.busy_clients, 1);
  return gamma_ * static_cast<double>(m) / static_cast<double>(std::max(m, step.staleness));
}

PolicySettings MishchenkoStepsize::settings() const {
  return {{"gamma", gamma_}, {"workers", static_cast<double>(workers_)}};
}

namespace {

constexpr ParamSpec kGamma{
    "gamma", ParamKind::kNumber, 0.05, 1e-12, 1e6, "the stepsize of a fresh gradient"};
constexpr ParamSpec kWorkers{
    "workers", ParamKind::kCount, 0, 0, 1u << 20, "M; 0 = the number of busy clients (at least 1)"};
constexpr ParamSpec kParams[] = {kGamma, kWorkers};

Result<std::unique_ptr<StepsizePolicy>> make(const PolicyParams& params, const PolicyContext&) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number(kGamma));
  FG_ASSIGN_OR_RETURN(uint32_t workers, params.count(kWorkers));
  return std::unique_ptr<StepsizePolicy>(new MishchenkoStepsize(gamma, workers));
}

}  // namespace

extern const StepsizeEntry kMishchenkoStepsizeEntry = {
    "mishchenko", "gamma * M / max(M, tau) (Mishchenko et al.)", param_table(kParams), make};

}  // namespace fedgate
