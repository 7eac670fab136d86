#include "core/trigger/aet_schedule.h"

#include <cmath>

namespace fedgate {

AetSchedule::AetSchedule(const AetScheduleParams& params, uint32_t dim, Span<float> state)
    : params_(params), dim_(dim), gradient_(state.subspan(0, dim)) {}

uint32_t AetSchedule::steps_in_round(uint32_t round) const {
  const double s = std::ceil(params_.a * round + params_.b);
  if (s < 1) return 1;
  return s > params_.max_steps ? params_.max_steps : static_cast<uint32_t>(s);
}

double AetSchedule::stepsize(uint64_t steps_before) const {
  const double eta =
      params_.eta0 / (1.0 + params_.decay * std::sqrt(static_cast<double>(steps_before)));
  return eta > params_.min_eta ? eta : params_.min_eta;
}

Result<TriggerResult> AetSchedule::on_model(uint32_t version, Span<float> model, Span<float> out,
                                            GradientSource& source) {
  (void)version;
  TriggerResult result;
  result.action = TriggerAction::kSend;
  result.kind = wire::UpdateKind::LocalUpdate;
  result.round = round_;
  result.steps = steps_in_round(round_);
  const float eta = static_cast<float>(stepsize(local_steps_));
  for (uint32_t i = 0; i < dim_; ++i) out[i] = 0.0f;
  for (uint32_t step = 1; step <= result.steps; ++step) {
    FG_ASSIGN_OR_RETURN(GradientStats stats, source.compute(model, gradient_));
    accumulate_stats(stats, step, &result.stats);
    for (uint32_t i = 0; i < dim_; ++i) {
      model[i] -= eta * gradient_[i];
      out[i] -= eta * gradient_[i];
    }
  }
  local_steps_ += result.steps;
  ++round_;
  return result;
}

}  // namespace fedgate
