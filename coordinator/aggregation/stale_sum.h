// StaleSum: SASG's server side (Deng et al.; docs/algorithms.md [P3]). The server
// keeps each worker's latest contribution delta_m = gamma * u_m; a round ends
// when every member sent an Update or a Skip, and commits
//   x <- x - sum_m delta_m,
// the fresh deltas of this round plus the stale ones of the workers that
// skipped (the lazy-aggregation reuse). A worker that leaves takes its delta
// with it. The sum is kept up to date (S += new - old) in doubles, so a commit
// costs O(d), not O(M d). Memory: one dense d-vector per worker.
#pragma once

#include <map>
#include <vector>

#include "coordinator/aggregation/round_policy.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

class StaleSum : public RoundPolicy {
 public:
  explicit StaleSum(size_t dim) : sum_(dim), direction_(dim) {}

  const char* name() const override { return "stale-sum"; }
  PolicySettings settings() const override { return {}; }
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

  // sum_m delta_m as it stands.
  const std::vector<double>& sum() const { return sum_; }

 protected:
  bool take(AggregationHost& host, const std::string& client,
            const Contribution& contribution) override;
  void skipped(const std::string& client) override;
  void forget(const std::string& client) override;
  void commit_round(AggregationHost& host) override;

 private:
  std::map<std::string, std::vector<float>> last_;
  std::vector<double> sum_;
  std::vector<float> direction_;
};

}  // namespace fedgate
