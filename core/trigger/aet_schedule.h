// AetSchedule: AET-SGD's event trigger, a linearly increasing number of local
// steps. Round r = 1, 2, ... runs s_r = ceil(a * r + b) plain SGD steps from
// the received model with eta_r = max(eta0 / (1 + decay * sqrt(t_r)), min_eta),
// t_r = sum_{q<r} s_q (the local steps before this round), then sends one
// LocalUpdate U = x_end - x_start (the coordinator adds it: x += U). The
// coordinator bounds the round skew; the Update carries r for that.
#pragma once

#include "core/trigger/trigger.h"

namespace fedgate {

struct AetScheduleParams {
  double a = 10;        // slope of s_r (AET-SGD code: 10)
  double b = 0;         // offset of s_r
  double eta0 = 0.01;   // local stepsize at t = 0
  double decay = 0.01;  // b of eta0 / (1 + b sqrt(t)) in the paper's code
  double min_eta = 1e-7;
  uint32_t max_steps = 100000;  // cap on s_r so one round stays bounded
};

class AetSchedule : public Trigger {
 public:
  static size_t state_floats(uint32_t dim) { return dim; }

  AetSchedule(const AetScheduleParams& params, uint32_t dim, Span<float> state);

  // s_r for round r >= 1.
  uint32_t steps_in_round(uint32_t round) const;
  // eta_r after `steps_before` local steps.
  double stepsize(uint64_t steps_before) const;

  const char* name() const override { return "aet-schedule"; }
  Result<TriggerResult> on_model(uint32_t version, Span<float> model, Span<float> out,
                                 GradientSource& source) override;
  uint32_t round() const { return round_; }

 private:
  AetScheduleParams params_;
  uint32_t dim_;
  Span<float> gradient_;  // one step's gradient
  uint32_t round_ = 1;    // the round on_model() runs next
  uint64_t local_steps_ = 0;
};

}  // namespace fedgate
