// LagTrigger: the lazy rule of LAG/SASG (LASG-WK2 in the SASG authors' code).
// Each model: compute g_new = g(x_k; xi) and g_old = g(x_hat; xi) on the same
// minibatch, x_hat = the model of the last upload. Upload iff
//   ||g_new - g_old||^2 > sum_{d=1}^{D-1} ||x^{k+1-d} - x^{k-d}||^2 / (c * lr * M^2)
// or D rounds were skipped in a row (forced send), and always during the first
// D rounds (warm-up); otherwise send Skip. The client measures model movement
// between consecutive models it receives. The trigger needs a source that can
// recompute (a session refuses it at Config otherwise); driven directly with
// one that cannot, g_old is the last uploaded gradient (LAG-WK1 form).
// docs/algorithms.md has the choices where the papers are open.
#pragma once

#include "core/trigger/trigger.h"

namespace fedgate {

struct LagParams {
  uint32_t max_skips = 10;  // D
  double c = 1.0;           // threshold divisor (SASG code: 1, MNIST notebook: 2)
  double lr = 0.05;         // the server's stepsize the movement was made with
  uint32_t workers = 10;    // M
};

class LagTrigger : public Trigger {
 public:
  static constexpr uint32_t kMaxHistory = 64;  // bounds D
  // Floats of state for dimension `dim`.
  static size_t state_floats(uint32_t dim) { return size_t{3} * dim; }

  LagTrigger(const LagParams& params, uint32_t dim, Span<float> state);

  const char* name() const override { return "lag"; }
  Result<TriggerResult> on_model(uint32_t version, Span<float> model, Span<float> out,
                                 GradientSource& source) override;
  void on_sent(Span<const float> model, Span<const float> out) override;

  // The skip threshold from the movements seen so far (for tests and logs).
  double threshold() const;
  double last_change() const { return last_change_; }
  uint32_t skips_in_a_row() const { return skips_; }

 private:
  LagParams params_;
  uint32_t dim_;
  Span<float> previous_model_;  // last model received, for the movement
  Span<float> anchor_;          // x_hat: model of the last upload
  Span<float> old_gradient_;    // g_old (recomputed) or the last uploaded gradient
  bool have_previous_ = false;
  bool have_sent_ = false;
  double movements_[kMaxHistory] = {};  // ring of ||x_{j+1} - x_j||^2
  uint32_t movement_count_ = 0;
  uint32_t rounds_ = 0;
  uint32_t skips_ = 0;
  double last_change_ = 0;
};

}  // namespace fedgate
