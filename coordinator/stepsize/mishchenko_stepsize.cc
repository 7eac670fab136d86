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

Result<std::unique_ptr<StepsizePolicy>> make_mishchenko_stepsize(const PolicyParams& params) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number("gamma", 0.05, 1e-12, 1e6));
  FG_ASSIGN_OR_RETURN(uint32_t workers, params.count("workers", 0, 0, 1u << 20));
  return std::unique_ptr<StepsizePolicy>(new MishchenkoStepsize(gamma, workers));
}

}  // namespace fedgate
