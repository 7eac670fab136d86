#include "core/trigger/every_step.h"

#include "core/protocol/client_policy_entry.h"

namespace fedgate {

namespace {

Status setup(ParamReader&, const ClientModelShape&, ClientPolicyNeeds* needs, StateCarver*,
             TriggerSlot* build) {
  needs->offers = false;
  if (build != nullptr) build->emplace<EveryStep>();
  return Status::ok();
}

}  // namespace

extern const TriggerEntry kEveryStepEntry = {
    "every-step",
    FEDGATE_POLICY_DOC("send every minibatch gradient at once, no offer (vanilla ASGD)"),
    Span<const ParamSpec>(), setup};

}  // namespace fedgate
