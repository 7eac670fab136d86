// EveryStep: one minibatch gradient per model, sent at once without an offer
// (vanilla ASGD and its delay-adaptive relatives).
#pragma once

#include "core/trigger/trigger.h"

namespace fedgate {

class EveryStep : public Trigger {
 public:
  const char* name() const override { return "every-step"; }
  Result<TriggerResult> on_model(uint32_t version, Span<float> model, Span<float> out,
                                 GradientSource& source) override {
    (void)version;
    FG_ASSIGN_OR_RETURN(GradientStats stats, source.compute(model, out));
    TriggerResult result;
    result.action = TriggerAction::kSend;
    result.stats = stats;
    return result;
  }
};

}  // namespace fedgate
