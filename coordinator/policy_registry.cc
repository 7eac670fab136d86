#include "coordinator/policy_registry.h"

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/drop_if_stale.h"
#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/acceptance/norm_ratio_simplified.h"
#include "coordinator/stepsize/aet_diminishing_stepsize.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "coordinator/stepsize/koloskova_stepsize.h"
#include "coordinator/stepsize/mishchenko_stepsize.h"

namespace fedgate {
namespace {

struct AcceptanceEntry {
  PolicyInfo info;
  Result<std::unique_ptr<AcceptancePolicy>> (*make)(const PolicyParams&, const GlobalModel&);
};

struct StepsizeEntry {
  PolicyInfo info;
  Result<std::unique_ptr<StepsizePolicy>> (*make)(const PolicyParams&);
};

const AcceptanceEntry kAcceptance[] = {
    {{"accept-all", "every offer is accepted (vanilla ASGD)", "(none)"}, make_accept_all},
    {{"norm-ratio-exact",
      "accept iff ||g|| >= lambda * ||x_t - x_v||, ring buffer of model snapshots",
      "lambda = 10, window = 64"},
     make_norm_ratio_exact},
    {{"norm-ratio-simplified",
      "accept iff ||g|| >= lambda * (P_t - P_v), prefix sums of step lengths, O(1)",
      "lambda = 10, window = 64"},
     make_norm_ratio_simplified},
    {{"drop-if-stale", "accept iff tau = t - v <= tau_C (Koloskova's eta_t = 0 branch)",
      "max_staleness = 0 (tau_C = active clients)"},
     make_drop_if_stale},
};

const StepsizeEntry kStepsize[] = {
    {{"constant", "gamma for every update", "gamma = 0.05"}, make_constant_stepsize},
    {{"koloskova", "eta if tau <= tau_C, else eta / tau (Koloskova et al.)",
      "eta = 0.05, max_staleness = 0 (tau_C = busy clients)"},
     make_koloskova_stepsize},
    {{"mishchenko", "gamma * M / max(M, tau) (Mishchenko et al.)",
      "gamma = 0.05, workers = 0 (M = busy clients, at least 1)"},
     make_mishchenko_stepsize},
    {{"aet-diminishing", "max(eta0 / (1 + b * sqrt(t)), min_gamma), t = model version (AET-SGD)",
      "eta0 = 0.01, b = 0.01, min_gamma = 1e-7"},
     make_aet_diminishing_stepsize},
};

template <typename Entries>
std::string known_names(const Entries& entries) {
  std::string names;
  for (const auto& entry : entries) names += (names.empty() ? "" : ", ") + std::string(entry.info.name);
  return names;
}

}  // namespace

std::vector<PolicyInfo> acceptance_policy_infos() {
  std::vector<PolicyInfo> infos;
  for (const auto& entry : kAcceptance) infos.push_back(entry.info);
  return infos;
}

std::vector<PolicyInfo> stepsize_policy_infos() {
  std::vector<PolicyInfo> infos;
  for (const auto& entry : kStepsize) infos.push_back(entry.info);
  return infos;
}

Result<std::unique_ptr<AcceptancePolicy>> make_acceptance_policy(const std::string& name,
                                                                 const PolicyParams& params,
                                                                 const GlobalModel& model) {
  for (const auto& entry : kAcceptance) {
    if (name != entry.info.name) continue;
    FG_ASSIGN_OR_RETURN(auto policy, entry.make(params, model));
    FG_TRY(params.check_all_used());
    return policy;
  }
  return Status::error(StatusCode::kNotFound, "unknown acceptance policy '%s' (known: %s)",
                       name.c_str(), known_names(kAcceptance).c_str());
}

Result<std::unique_ptr<StepsizePolicy>> make_stepsize_policy(const std::string& name,
                                                             const PolicyParams& params) {
  for (const auto& entry : kStepsize) {
    if (name != entry.info.name) continue;
    FG_ASSIGN_OR_RETURN(auto policy, entry.make(params));
    FG_TRY(params.check_all_used());
    return policy;
  }
  return Status::error(StatusCode::kNotFound, "unknown stepsize policy '%s' (known: %s)",
                       name.c_str(), known_names(kStepsize).c_str());
}

}  // namespace fedgate
