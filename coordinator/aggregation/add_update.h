// AddUpdate: AET-SGD's server side in the star port (docs/algorithms.md [P5]). A
// LocalUpdate U = x_after - x_before (a client's accumulated local steps) is
// added at once with a weight, x <- x + w U. In the authors' peer-to-peer code
// a node adds only its two neighbours' U; adding every one of n clients' U in
// full multiplies the local step by n and diverges, so the default w = 1 / n
// (n = the members now) averages the clients' moves (docs/algorithms.md [P5]).
// Plain gradients are applied with their stepsize. Each
// contribution ends the client's round r_i. Bounded asynchrony: a client may
// run at most `max_round_skew` (d_round) rounds ahead of the slowest member, so
// a client that finished round r_i with r_i - min_j r_j > d_round gets its next
// model only when the slowest catch up. The slowest client is never held, so
// the fleet cannot deadlock. A newcomer starts at the slowest round.
#pragma once

#include <map>
#include <set>

#include "coordinator/aggregation/aggregation_policy.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

class AddUpdate : public AggregationPolicy {
 public:
  // `weight` w of x <- x + w U; 0: 1 / (the number of members).
  AddUpdate(uint32_t max_round_skew, double weight)
      : max_round_skew_(max_round_skew), weight_(weight) {}

  const char* name() const override { return "add-update"; }
  PolicySettings settings() const override {
    return {{"max_round_skew", static_cast<double>(max_round_skew_)}, {"weight", weight_}};
  }
  void on_join(AggregationHost& host, const std::string& client) override;
  void on_leave(AggregationHost& host, const std::string& client) override;
  bool on_update(AggregationHost& host, const std::string& client,
                 const Contribution& contribution) override;
  void on_skip(AggregationHost& host, const std::string& client, uint32_t version) override;
  void on_model_request(AggregationHost& host, const std::string& client) override;

  uint32_t round(const std::string& client) const;
  bool held(const std::string& client) const { return held_.count(client) != 0; }
  // Every member's round and the held clients.
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

 private:
  uint32_t slowest() const { return rounds_.empty() ? 0 : *rounds_.begin(); }
  void set_round(const std::string& client, uint32_t round);
  // Sends the model to every held client now within the bound.
  void release(AggregationHost& host);

  uint32_t max_round_skew_;
  double weight_;
  std::map<std::string, uint32_t> round_;
  std::multiset<uint32_t> rounds_;  // every member's round, for the minimum
  std::set<std::string> held_;
};

}  // namespace fedgate
