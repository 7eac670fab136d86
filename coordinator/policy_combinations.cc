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

// Messages stay within a Status's 120 characters, naming both settings.
Status check_policy_combination(const PolicyChoice& c) {
  // SASG's reuse only means something when workers send Skip; an offer-first
  // client answers every round with an Offer instead.
  if (c.aggregation == "stale-sum" && !one_of(c.trigger, {"lag", "every-step"})) {
    return Status::error(StatusCode::kInvalidArgument,
                         "aggregation.policy = stale-sum needs trigger.policy = lag or "
                         "every-step, not %s",
                         c.trigger.c_str());
  }
  // Shadowheart's weights w_i / Z only sum to one step over a whole round.
  if (c.aggregation == "round-buffer" && c.stepsize != "shadowheart") {
    return Status::error(StatusCode::kInvalidArgument,
                         "aggregation.policy = round-buffer needs stepsize.policy = shadowheart, "
                         "not %s",
                         c.stepsize.c_str());
  }
  if (c.stepsize == "shadowheart" && c.aggregation != "round-buffer") {
    return Status::error(StatusCode::kInvalidArgument,
                         "stepsize.policy = shadowheart needs aggregation.policy = round-buffer, "
                         "not %s",
                         c.aggregation.c_str());
  }
  if (c.aggregation == "round-buffer" && !one_of(c.trigger, {"fixed-budget", "every-step"})) {
    return Status::error(StatusCode::kInvalidArgument,
                         "aggregation.policy = round-buffer needs trigger.policy = fixed-budget "
                         "or every-step, not %s",
                         c.trigger.c_str());
  }
  // A client that sends m messages per round needs a server that waits for them.
  if (c.trigger == "fixed-budget" && c.aggregation != "round-buffer") {
    return Status::error(StatusCode::kInvalidArgument,
                         "trigger.policy = fixed-budget needs aggregation.policy = round-buffer, "
                         "not %s",
                         c.aggregation.c_str());
  }
  // x += U needs local updates (the AET schedule, DETSGRAD) or plain gradients.
  if (c.aggregation == "add-update" &&
      !one_of(c.trigger, {"aet-schedule", "detsgrad", "every-step"})) {
    return Status::error(StatusCode::kInvalidArgument,
                         "aggregation.policy = add-update needs trigger.policy = aet-schedule, "
                         "detsgrad or every-step, not %s",
                         c.trigger.c_str());
  }
  // The Taylor correction needs stale gradients; the round policies have none
  // (every contribution is at the round's version) and local updates are not
  // gradients.
  if (c.staleness == "pc-asgd" && !one_of(c.aggregation, {"apply-on-arrival", "random-dispatch"})) {
    return Status::error(StatusCode::kInvalidArgument,
                         "staleness.policy = pc-asgd needs aggregation.policy = apply-on-arrival "
                         "or random-dispatch, not %s",
                         c.aggregation.c_str());
  }
  return Status::ok();
}

}  // namespace fedgate
