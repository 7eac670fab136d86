// ClientPolicySettings: the client-side policies ([trigger], [compression])
// a coordinator run tells its clients to use in Config. The coordinator never
// runs them; it validates them at start-up with the very code the clients run
// (check_client_policies in core), sends them in Config, and decodes and
// checks what they send accordingly.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/models/model.h"
#include "core/protocol/client_policies.h"

namespace fedgate {

struct ClientPolicySettings {
  std::string trigger = kDefaultTrigger;
  std::map<std::string, double> trigger_params;  // [trigger.<name>]
  std::string compression = kDefaultCompression;
  std::map<std::string, double> compression_params;  // [compression.<name>]
};

// The settings as Config params: "trigger.<key>" and "compression.<key>".
// The strings in `names` back the views in the returned list.
std::vector<NamedParam> client_policy_params(const ClientPolicySettings& settings,
                                             std::vector<std::string>* names);

// Validates names and settings for a model of `dim` parameters.
Result<ClientPolicyNeeds> check_client_policy_settings(const ClientPolicySettings& settings,
                                                       const ModelSpec& model, size_t dim,
                                                       uint32_t batch_size);

// Refuses client policies the aggregation cannot serve: LocalUpdates (aet-schedule,
// detsgrad) need an aggregation that adds them (add-update), and multi-part rounds
// (fixed-budget with sends > 1) one that answers once per round (round-buffer); under
// apply-on-arrival a LocalUpdate would be applied as a gradient and every part would
// start another client round.
Status check_client_policies_for_aggregation(const ClientPolicySettings& settings,
                                             const std::string& aggregation);

}  // namespace fedgate
