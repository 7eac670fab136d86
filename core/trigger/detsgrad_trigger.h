// DetsgradTrigger: the event-triggered baseline AET-SGD compares against
// (DETSGRAD, George & Gurram), ported to a star. From the received model the
// client runs local SGD steps x <- x - alpha_t g with
// alpha_t = alpha0 / (1 + decay * t) (t counts all its local steps) until
// ||x - x_sent||_1 >= alpha_t * v0, then sends U = x - x_sent as a
// LocalUpdate; x_sent is the model it last received (the coordinator's model
// replaces the neighbours' consensus term). max_steps bounds one round.
#pragma once

#include "core/trigger/trigger.h"

namespace fedgate {

struct DetsgradParams {
  double alpha0 = 0.01;
  double decay = 1e-5;
  double v0 = 0;  // 0: 0.2 * d / workers (the MNIST-family rule with one edge)
  uint32_t workers = 5;
  uint32_t max_steps = 1000;
};

class DetsgradTrigger : public Trigger {
 public:
  static size_t state_floats(uint32_t dim) { return size_t{2} * dim; }

  DetsgradTrigger(const DetsgradParams& params, uint32_t dim, Span<float> state);

  double v0() const { return v0_; }
  double alpha(uint64_t t) const { return params_.alpha0 / (1.0 + params_.decay * t); }

  const char* name() const override { return "detsgrad"; }
  Result<TriggerResult> on_model(uint32_t version, Span<float> model, Span<float> out,
                                 GradientSource& source) override;

 private:
  DetsgradParams params_;
  uint32_t dim_;
  double v0_;
  Span<float> sent_;      // x_sent
  Span<float> gradient_;  // one step's gradient
  uint64_t local_steps_ = 0;
};

}  // namespace fedgate
