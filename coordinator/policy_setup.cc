#include "coordinator/policy_setup.h"

#include "coordinator/acceptance/starvation_guard.h"
#include "coordinator/client_policy_settings.h"
#include "core/protocol/client_policies.h"

namespace fedgate {
namespace {

// The family's name ahead of a policy's own error ("aggregation: ...").
Status in_family(const char* family, const Status& status) {
  return Status::error(status.code(), "%s: %s", family, status.message());
}

}  // namespace

Result<ServerPolicies> make_server_policies(const CoordinatorConfig& config,
                                            const GlobalModel& model) {
  const CoordinatorSettings& settings = config.settings;
  Result<ClientPolicyNeeds> needs = check_client_policy_settings(
      settings.client_policies, settings.model, model.dim(), settings.batch_size);
  if (!needs.is_ok()) return in_family("client policies", needs.status());
  Status combination =
      check_client_policies_for_aggregation(settings.client_policies, config.aggregation);
  if (!combination.is_ok()) return in_family("client policies", combination);

  auto acceptance = make_acceptance_policy(config.acceptance, config.acceptance_params, model);
  if (!acceptance.is_ok()) return in_family("acceptance", acceptance.status());
  auto staleness = make_staleness_policy(config.staleness, config.staleness_params, model);
  if (!staleness.is_ok()) return in_family("staleness", staleness.status());
  // Before the stepsize, which may read the aggregation's settings.
  auto aggregation =
      make_aggregation_policy(config.aggregation, config.aggregation_params, model, config.seed);
  if (!aggregation.is_ok()) return in_family("aggregation", aggregation.status());
  auto stepsize =
      make_stepsize_policy(config.stepsize, config.stepsize_params, config.aggregation_params);
  if (!stepsize.is_ok()) return in_family("stepsize", stepsize.status());

  ServerPolicies policies;
  policies.acceptance =
      with_starvation_guard(std::move(acceptance).value(), config.starvation_limit);
  policies.stepsize = std::move(stepsize).value();
  policies.staleness = std::move(staleness).value();
  policies.aggregation = std::move(aggregation).value();
  return policies;
}

}  // namespace fedgate
