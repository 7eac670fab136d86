// FixedBudget: Shadowheart SGD's worker. Per model: G = sum of `batches` (b_i)
// minibatch gradients at that same point (a sum, not a mean), then `sends`
// (m_i) compressed Updates of G, each with a fresh rand-k mask. The
// coordinator's round-buffer aggregation weighs and commits them; when it
// plans per-worker budgets, each model carries this worker's b_i and m_i,
// which replace `batches` and `sends` for that model (docs/algorithms.md).
#pragma once

#include "core/trigger/trigger.h"

namespace fedgate {

struct FixedBudgetParams {
  uint32_t batches = 1;  // b_i
  uint32_t sends = 1;    // m_i
};

class FixedBudget : public Trigger {
 public:
  static size_t state_floats(uint32_t dim) { return dim; }

  FixedBudget(const FixedBudgetParams& params, uint32_t dim, Span<float> state)
      : params_(params), dim_(dim), gradient_(state.subspan(0, dim)) {}

  // The settings' bounds: a coordinator cannot make the client compute without end.
  static constexpr uint32_t kMostBatches = 1000000;
  static constexpr uint32_t kMostSends = 0xFFFF;

  const char* name() const override { return "fixed-budget"; }
  void set_budget(uint32_t batches, uint32_t sends) override {
    batches_ = batches < kMostBatches ? batches : kMostBatches;
    sends_ = sends < kMostSends ? sends : kMostSends;
  }
  Result<TriggerResult> on_model(uint32_t version, Span<float> model, Span<float> out,
                                 GradientSource& source) override {
    (void)version;
    const uint32_t batches = batches_ != 0 ? batches_ : params_.batches;
    TriggerResult result;
    result.action = TriggerAction::kSend;
    result.kind = wire::UpdateKind::SummedGradient;
    result.steps = batches;
    result.sends = sends_ != 0 ? sends_ : params_.sends;
    for (uint32_t i = 0; i < dim_; ++i) out[i] = 0.0f;
    for (uint32_t l = 1; l <= batches; ++l) {
      FG_ASSIGN_OR_RETURN(GradientStats stats, source.compute(model, gradient_));
      accumulate_stats(stats, l, &result.stats);
      for (uint32_t i = 0; i < dim_; ++i) out[i] += gradient_[i];
    }
    return result;
  }

 private:
  FixedBudgetParams params_;
  uint32_t batches_ = 0;  // this model's b_i from the coordinator (0: params_.batches)
  uint32_t sends_ = 0;    // this model's m_i (0: params_.sends)
  uint32_t dim_;
  Span<float> gradient_;
};

}  // namespace fedgate
