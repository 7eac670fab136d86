// The server-side policies a configuration can name: the entries listed in
// coordinator/policy_list.h. A new policy is a new file plus one line there.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/aggregation/aggregation_policy.h"
#include "coordinator/policy_entry.h"
#include "coordinator/policy_params.h"
#include "coordinator/staleness/staleness_policy.h"
#include "coordinator/stepsize/stepsize_policy.h"

namespace fedgate {

// What --list-policies and the docs show of one policy, server or client side.
struct PolicyInfo {
  const char* name;
  const char* summary;          // one line
  const char* params;           // "key = default, ..." or "(none)", from `table`
  Span<const ParamSpec> table;  // its settings
};

// The registered entries of one family, in policy_list.h order.
template <typename Policy>
Span<const PolicyEntry<Policy>* const> registered_policies();

std::vector<PolicyInfo> acceptance_policy_infos();
std::vector<PolicyInfo> stepsize_policy_infos();
std::vector<PolicyInfo> staleness_policy_infos();
std::vector<PolicyInfo> aggregation_policy_infos();

// "key = default, ..." for a parameter table, "(none)" when empty.
std::string params_text(Span<const ParamSpec> table);

// Errors name the unknown policy and list the known ones, or name the setting
// that is out of range, or a setting the policy does not have.
Result<std::unique_ptr<AcceptancePolicy>> make_acceptance_policy(const std::string& name,
                                                                 const PolicyParams& params,
                                                                 const GlobalModel& model);
// `aggregation_params`: the aggregation's settings, for stepsizes that weigh
// its rounds (shadowheart reads [aggregation.round-buffer]).
Result<std::unique_ptr<StepsizePolicy>> make_stepsize_policy(
    const std::string& name, const PolicyParams& params,
    const PolicyParams& aggregation_params = PolicyParams());
Result<std::unique_ptr<StalenessPolicy>> make_staleness_policy(const std::string& name,
                                                               const PolicyParams& params,
                                                               const GlobalModel& model);
// `seed` seeds the policies that draw at random (random-dispatch).
Result<std::unique_ptr<AggregationPolicy>> make_aggregation_policy(const std::string& name,
                                                                   const PolicyParams& params,
                                                                   const GlobalModel& model,
                                                                   uint64_t seed);

}  // namespace fedgate
