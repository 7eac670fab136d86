// Turning a configuration into the policies of one run, shared by
// fedgate-coordinator and fedgate-sim so that both run exactly the same objects.
#pragma once

#include <vector>

#include "coordinator/coordinator.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/policy_registry.h"

namespace fedgate {

// Builds the server-side policies `config` names (with the starvation guard
// when set) around the initial `model`, after checking that the client
// policies suit the model and the aggregation. Errors name the family and the
// setting at fault.
Result<ServerPolicies> make_server_policies(const CoordinatorConfig& config,
                                            const GlobalModel& model);

// Every policy family, server side first, for --list-policies.
struct PolicyFamily {
  const char* family;  // the config section: acceptance, stepsize, ...
  const char* note;    // where it runs, "" for the coordinator
  std::vector<PolicyInfo> infos;
};
std::vector<PolicyFamily> policy_families();

}  // namespace fedgate
