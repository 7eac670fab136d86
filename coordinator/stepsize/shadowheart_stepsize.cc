#include "coordinator/stepsize/shadowheart_stepsize.h"

namespace fedgate {

double ShadowheartStepsize::weight(uint32_t gradients, uint32_t messages, double s, double omega) {
  return shadowheart_weight(gradients, messages, s, omega);
}

// gamma w_i; the round buffer divides the round's sum by its Z. m_i is what the
// Update says (its `parts`: per-worker budgets differ), else the round's m.
double ShadowheartStepsize::gamma(const StepContext& step) {
  const uint32_t messages = step.messages != 0 ? step.messages : messages_;
  return gamma_ * weight(step.gradients, messages, s_, omega_);
}

PolicySettings ShadowheartStepsize::settings() const { return {{"gamma", gamma_}}; }

namespace {

constexpr ParamSpec kGamma{"gamma",
                           ParamKind::kNumber,
                           0.05,
                           1e-12,
                           1e6,
                           "the stepsize of a round; s, omega and m come from "
                           "[aggregation.round-buffer]"};
constexpr ParamSpec kParams[] = {kGamma};

Result<std::unique_ptr<StepsizePolicy>> make(const PolicyParams& params,
                                             const PolicyContext& context) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number(kGamma));
  // The round's shape is the round-buffer aggregation's: read from its settings.
  const PolicyParams no_settings;
  FG_ASSIGN_OR_RETURN(
      RoundBufferSettings round,
      round_buffer_settings(context.aggregation_params != nullptr ? *context.aggregation_params
                                                                  : no_settings));
  return std::unique_ptr<StepsizePolicy>(new ShadowheartStepsize(gamma, round));
}

}  // namespace

extern const StepsizeEntry kShadowheartStepsizeEntry = {
    "shadowheart",
    "gamma * w_i per message, / Z of the round's contributors (Shadowheart SGD; needs "
    "round-buffer)",
    param_table(kParams), make};

}  // namespace fedgate
