// OfferFirst: one minibatch gradient, offered by its norm; the coordinator
// decides whether it crosses the link (Ahmed et al., CE-ASGD). The default.
#pragma once

#include "core/trigger/trigger.h"

namespace fedgate {

class OfferFirst : public Trigger {
 public:
  const char* name() const override { return "offer-first"; }
  Result<TriggerResult> on_model(uint32_t version, Span<float> model, Span<float> out,
                                 GradientSource& source) override {
    (void)version;
    FG_ASSIGN_OR_RETURN(GradientStats stats, source.compute(model, out));
    TriggerResult result;
    result.action = TriggerAction::kOffer;
    result.stats = stats;
    return result;
  }
};

}  // namespace fedgate
