#include "core/trigger/detsgrad_trigger.h"

#include <cmath>
#include <cstring>

namespace fedgate {

DetsgradTrigger::DetsgradTrigger(const DetsgradParams& params, uint32_t dim, Span<float> state)
    : params_(params),
      dim_(dim),
      v0_(params.v0 > 0 ? params.v0 : std::floor(0.2 * dim / params.workers)),
      sent_(state.subspan(0, dim)),
      gradient_(state.subspan(dim, dim)) {}

Result<TriggerResult> DetsgradTrigger::on_model(uint32_t version, Span<float> model,
                                                Span<float> out, GradientSource& source) {
  (void)version;
  std::memcpy(sent_.data(), model.data(), dim_ * sizeof(float));
  TriggerResult result;
  result.action = TriggerAction::kSend;
  result.kind = wire::UpdateKind::LocalUpdate;
  uint32_t steps = 0;
  for (;;) {
    FG_ASSIGN_OR_RETURN(GradientStats stats, source.compute(model, gradient_));
    ++steps;
    accumulate_stats(stats, steps, &result.stats);
    const float a = static_cast<float>(alpha(local_steps_));
    ++local_steps_;
    double drift = 0;  // ||x - x_sent||_1
    for (uint32_t i = 0; i < dim_; ++i) {
      model[i] -= a * gradient_[i];
      drift += std::fabs(static_cast<double>(model[i]) - sent_[i]);
    }
    if (drift >= alpha(local_steps_) * v0_ || steps >= params_.max_steps) break;
  }
  for (uint32_t i = 0; i < dim_; ++i) out[i] = model[i] - sent_[i];
  result.steps = steps;
  return result;
}

}  // namespace fedgate
