// RescaledStepsize: Rescaled ASGD (Mahran, Maranjyan, Richtarik 2026;
// docs/algorithms.md [P2c]). Vanilla ASGD applies fast clients' gradients more often
// and so drifts toward their objectives. Giving client i the stepsize
//   gamma_i = gamma * tau_i / tau_ref,  tau_ref = n / sum_j (1 / tau_j)
// (tau_i its time per gradient, tau_ref the harmonic mean over the n clients
// with an estimate) makes every client's contribution per unit of time equal,
// gamma / tau_ref, while the average stepsize per applied update stays gamma.
// tau_i is an online EMA of the client's cycle time: by default the time
// between its consecutive updates at the coordinator (compute + transfers +
// latency: what sets how often its gradients land, which is what the rule
// equalises); `timing` = compute uses the compute_us it reports instead (the
// inter-arrival time when that is 0), which over-weights clients with slow
// links or long compute-to-send paths. A client's first update has no cycle
// yet and gets gamma as it is. The ratio
// tau_i / tau_ref is clamped to [1 / max_ratio, max_ratio] so one wild
// estimate cannot blow the step up. O(1) per update: the sum of inverses is
// kept up to date instead of recomputed.
#pragma once

#include <unordered_map>

#include "coordinator/policy_entry.h"
#include "coordinator/stepsize/stepsize_policy.h"

namespace fedgate {

// What tau_i measures.
enum class RescaledTiming { kCycle, kCompute };

class RescaledStepsize : public StepsizePolicy {
 public:
  RescaledStepsize(double gamma, double beta, double max_ratio,
                   RescaledTiming timing = RescaledTiming::kCycle)
      : gamma_(gamma), beta_(beta), max_ratio_(max_ratio), timing_(timing) {}

  const char* name() const override { return "rescaled"; }
  // Feeds the update's timing into the client's estimate, then returns gamma_i.
  double gamma(const StepContext& step) override;
  PolicySettings settings() const override;
  void on_client_left(const std::string& client) override;
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

  // tau_i in seconds (0 when unknown), and tau_ref (0 when no client has one).
  double estimate_s(const std::string& client) const;
  double reference_s() const;

 private:
  struct Estimate {
    double seconds = 0;    // EMA of the time per gradient; 0 = no sample yet
    int64_t last_us = -1;  // arrival time of the previous update (fallback timing)
  };
  void observe(Estimate& estimate, double seconds);
  // inverse_sum_ and estimated_ from clients_.
  void recount();

  double gamma_;
  double beta_;
  double max_ratio_;
  RescaledTiming timing_;
  std::unordered_map<std::string, Estimate> clients_;
  double inverse_sum_ = 0;  // sum over clients with an estimate of 1 / seconds
  uint32_t estimated_ = 0;  // how many clients have an estimate
};

}  // namespace fedgate
