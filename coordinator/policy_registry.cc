#include "coordinator/policy_registry.h"

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/acceptance/norm_ratio_simplified.h"
#include "coordinator/stepsize/constant_stepsize.h"

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
};

const StepsizeEntry kStepsize[] = {
    {{"constant", "gamma for every update", "gamma = 0.05"}, make_constant_stepsize},
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
