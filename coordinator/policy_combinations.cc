#include "coordinator/policy_combinations.h"

#include <initializer_list>

namespace fedgate {
namespace {

bool one_of(const std::string& name, std::initializer_list<const char*> names) {
  for (const char* candidate : names) {
    if (name == candidate) return true;
  }
  return false;
}

}  // namespace

Status check_policy_combination(const PolicyChoice& c) {
  // SASG's reuse only means something when workers send Skip; an offer-first
  // client answers every round with an Offer instead.
  if (c.aggregation == "stale-sum" && !one_of(c.trigger, {"lag", "every-step"})) {
    return Status::error(StatusCode::kInvalidArgument,
                         "aggregation.policy = stale-sum needs trigger.policy = lag or "
                         "every-step (got trigger.policy = %s)",
                         c.trigger.c_str());
  }
  // Shadowheart's weights w_i / Z only sum to one step over a whole round.
  if ((c.aggregation == "round-buffer") != (c.stepsize == "shadowheart")) {
    return Status::error(StatusCode::kInvalidArgument,
                         "aggregation.policy = round-buffer and stepsize.policy = shadowheart "
                         "go together (got aggregation.policy = %s, stepsize.policy = %s)",
                         c.aggregation.c_str(), c.stepsize.c_str());
  }
  if (c.aggregation == "round-buffer" && !one_of(c.trigger, {"fixed-budget", "every-step"})) {
    return Status::error(StatusCode::kInvalidArgument,
                         "aggregation.policy = round-buffer needs trigger.policy = fixed-budget "
                         "or every-step (got trigger.policy = %s)",
                         c.trigger.c_str());
  }
  if (c.trigger == "fixed-budget" && c.aggregation != "round-buffer") {
    return Status::error(StatusCode::kInvalidArgument,
                         "trigger.policy = fixed-budget sends m messages per round and needs "
                         "aggregation.policy = round-buffer (got %s)",
                         c.aggregation.c_str());
  }
  // x += U needs local updates, which only the AET schedule produces.
  if (c.aggregation == "add-update" && !one_of(c.trigger, {"aet-schedule", "every-step"})) {
    return Status::error(StatusCode::kInvalidArgument,
                         "aggregation.policy = add-update needs trigger.policy = aet-schedule or "
                         "every-step (got trigger.policy = %s)",
                         c.trigger.c_str());
  }
  // The Taylor correction needs stale gradients; the round policies have none
  // (every contribution is at the round's version) and local updates are not
  // gradients.
  if (c.staleness == "pc-asgd" && !one_of(c.aggregation, {"apply-on-arrival", "random-dispatch"})) {
    return Status::error(StatusCode::kInvalidArgument,
                         "staleness.policy = pc-asgd corrects stale gradients and needs "
                         "aggregation.policy = apply-on-arrival or random-dispatch (got %s)",
                         c.aggregation.c_str());
  }
  return Status::ok();
}

}  // namespace fedgate
