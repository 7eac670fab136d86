// PcAsgdStaleness: the predict/clip step of PC-ASGD (Wang et al., arXiv
// 2208.13154; docs/algorithms.md [P4], star-topology form). For a gradient g computed
// at x_v and applied at x_t (tau = t - v > 0):
//   predict: g^ = g + lambda * g (.) g (.) (x_t - x_v)   (first-order Taylor
//            with DC-ASGD's diagonal Hessian approximation g (.) g)
//   clip:    the (1 - theta) share is dropped; x <- x - gamma theta g^
// Practical variant (adaptive = 1): theta is chosen per arrival, `theta` if
// g^ still points the way of the recent descent (g^ . r > 0, r an EMA of the
// gradients applied lately), else 0. A gradient older than max_staleness, or
// than the snapshot window, is always clipped. Fresh gradients pass as they
// are. Memory: a VersionStore of `window` snapshots plus two d-vectors.
#pragma once

#include <vector>

#include "coordinator/policy_entry.h"
#include "coordinator/staleness/staleness_policy.h"
#include "coordinator/version_store.h"

namespace fedgate {

struct PcAsgdSettings {
  double lambda = 0.1;
  double theta = 1.0;
  bool adaptive = true;
  uint32_t max_staleness = 0;  // 0: window - 1
  uint32_t window = 64;
  double beta = 0.9;  // EMA factor of the recent direction r
};

class PcAsgdStaleness : public StalenessPolicy {
 public:
  PcAsgdStaleness(const PcAsgdSettings& settings, const GlobalModel& model);

  const char* name() const override { return "pc-asgd"; }
  Corrected transform(const StalenessContext& context, Span<const float> gradient) override;
  void on_committed(const GlobalModel& model) override { versions_.store(model); }
  PolicySettings settings() const override;
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

  uint64_t predicted() const { return predicted_; }
  uint64_t clipped() const { return clipped_; }

 private:
  // Folds an applied direction into r.
  void remember(Span<const float> direction);

  PcAsgdSettings settings_;
  VersionStore versions_;
  std::vector<float> corrected_;
  std::vector<float> recent_;
  bool has_recent_ = false;
  uint64_t predicted_ = 0;
  uint64_t clipped_ = 0;
};

}  // namespace fedgate
