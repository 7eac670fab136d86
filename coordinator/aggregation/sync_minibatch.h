// SyncMinibatch: synchronous minibatch SGD, the baseline the asynchronous
// methods are compared with (ALGORITHMS.md 2a-2b). Every member computes one
// gradient at version t; when all have answered, x <- x - (1/n) sum_i gamma_i
// g_i over the n gradients received (Skips count as answered, add nothing), and
// version t+1 goes to everyone. A round of Skips only resends version t.
#pragma once

#include <vector>

#include "coordinator/aggregation/round_policy.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

class SyncMinibatch : public RoundPolicy {
 public:
  explicit SyncMinibatch(size_t dim) : sum_(dim), direction_(dim) {}

  const char* name() const override { return "sync-minibatch"; }
  PolicySettings settings() const override { return {}; }

 protected:
  bool take(AggregationHost& host, const std::string& client,
            const Contribution& contribution) override;
  void commit_round(AggregationHost& host) override;

 private:
  std::vector<double> sum_;
  std::vector<float> direction_;
  uint32_t gradients_ = 0;
};

}  // namespace fedgate
