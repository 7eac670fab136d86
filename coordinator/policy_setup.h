// Turning a configuration into the policies of one run, shared by
// fedgate-coordinator and fedgate-sim so that both run exactly the same objects.
#pragma once

#include <vector>

#include "coordinator/coordinator.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/policy_catalog.h"

namespace fedgate {

// Builds the server-side policies `config` names (with the starvation guard
// when set) around the initial `model`, after checking that the client
// policies suit the model and the aggregation. Errors name the family and the
// setting at fault.
Result<ServerPolicies> make_server_policies(const CoordinatorConfig& config,
                                            const GlobalModel& model);

}  // namespace fedgate
