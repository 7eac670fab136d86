// The policies a configuration can name. A new policy is a new file plus one
// line in policy_registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/aggregation/aggregation_policy.h"
#include "coordinator/policy_params.h"
#include "coordinator/staleness/staleness_policy.h"
#include "coordinator/stepsize/stepsize_policy.h"

namespace fedgate {

struct PolicyInfo {
  const char* name;
  const char* summary;  // one line for --list-policies
  const char* params;   // its settings and defaults
};

std::vector<PolicyInfo> acceptance_policy_infos();
std::vector<PolicyInfo> stepsize_policy_infos();
std::vector<PolicyInfo> staleness_policy_infos();
std::vector<PolicyInfo> aggregation_policy_infos();

// Errors name the unknown policy and list the known ones, or name the setting
// that is out of range.
Result<std::unique_ptr<AcceptancePolicy>> make_acceptance_policy(const std::string& name,
                                                                 const PolicyParams& params,
                                                                 const GlobalModel& model);
Result<std::unique_ptr<StepsizePolicy>> make_stepsize_policy(const std::string& name,
                                                             const PolicyParams& params);
Result<std::unique_ptr<StalenessPolicy>> make_staleness_policy(const std::string& name,
                                                               const PolicyParams& params,
                                                               const GlobalModel& model);
// `seed` seeds the policies that draw at random (random-dispatch).
Result<std::unique_ptr<AggregationPolicy>> make_aggregation_policy(const std::string& name,
                                                                   const PolicyParams& params,
                                                                   const GlobalModel& model,
                                                                   uint64_t seed);

}  // namespace fedgate
