// SyncMinibatch: synchronous minibatch SGD, the baseline the asynchronous
// methods are compared with (docs/algorithms.md [P2a], [P2b]). Every member computes one
// gradient at version t; when all have answered, x <- x - w sum_i gamma_i g_i
// over the n gradients received (Skips count as answered, add nothing), and
// version t+1 goes to everyone. A round of Skips only resends version t.
// w = 1/n by default (the mean); Mishchenko et al.'s code sums (w = 1), which
// is the mean with n times the stepsize (docs/algorithms.md [P1]). Compared with
// ASGD per gradient, a round costs n of them.
#pragma once

#include <vector>

#include "coordinator/aggregation/round_policy.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

class SyncMinibatch : public RoundPolicy {
 public:
  // `weight` w; 0: 1 / the gradients received (the mean).
  explicit SyncMinibatch(size_t dim, double weight = 0)
      : weight_(weight), sum_(dim), direction_(dim) {}

  const char* name() const override { return "sync-minibatch"; }
  PolicySettings settings() const override { return {{"weight", weight_}}; }
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

 protected:
  bool take(AggregationHost& host, const std::string& client,
            const Contribution& contribution) override;
  void commit_round(AggregationHost& host) override;

 private:
  double weight_;
  std::vector<double> sum_;
  std::vector<float> direction_;
  uint32_t gradients_ = 0;
};

}  // namespace fedgate
