#include "core/trigger/offer_first.h"

#include "core/protocol/client_policy_entry.h"

namespace fedgate {

namespace {

Status setup(ParamReader&, const ClientModelShape&, ClientPolicyNeeds*, StateCarver*,
             TriggerSlot* build) {
  if (build != nullptr) build->emplace<OfferFirst>();
  return Status::ok();
}

}  // namespace

extern const TriggerEntry kOfferFirstEntry = {
    "offer-first",
    FEDGATE_POLICY_DOC("offer the gradient's norm, send the Update only if accepted (CE-ASGD)"),
    Span<const ParamSpec>(), setup};

}  // namespace fedgate
