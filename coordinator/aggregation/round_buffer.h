// RoundBuffer: Shadowheart SGD's server side (docs/algorithms.md [P2d]). Within a
// round the weighted messages gamma w_i / Z * C_ij(G_i) (weights from the
// shadowheart stepsize) are summed as they arrive; the round commits
// x <- x - sum once every member has sent its m = `messages` messages (or a
// Skip), or, with `equilibrium` = 1, once the equilibrium time t* has passed
// since the round began and something arrived. t* comes from shadowheart_plan()
// over the members' times: h_i an EMA of compute_us per gradient, tau_i =
// `send_s`; until every member has an estimate the round waits for everyone.
// With `budgets` = 1 and fixed-budget workers, each worker is also told its
// own b_i = floor(t*/h_i) and m_i = floor(t*/tau_i) with the round's model;
// one with b_i = 0 or m_i = 0 (the paper's inactive worker) sits the round out.
// A message after its round's commit is dropped.
#pragma once

#include <limits>
#include <map>
#include <set>
#include <vector>

#include "coordinator/aggregation/round_policy.h"
#include "coordinator/aggregation/shadowheart_plan.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

struct RoundBufferSettings {
  uint32_t messages = 1;  // m: messages per client per round
  double s = 1;           // sigma^2 / epsilon of the weights and of t*
  double omega = 0;       // compressor variance (d / K - 1 for RandK)
  bool equilibrium = true;
  double send_s = 0;    // tau_i: seconds to send one message
  bool budgets = true;  // plan b_i, m_i per worker (with the equilibrium time)
};

// The settings of [aggregation.round-buffer], checked; the shadowheart
// stepsize reads its round's shape from the same section.
Result<RoundBufferSettings> round_buffer_settings(const PolicyParams& params);

class RoundBuffer : public RoundPolicy {
 public:
  RoundBuffer(const RoundBufferSettings& settings, size_t dim)
      : settings_(settings), sum_(dim), direction_(dim) {}

  const char* name() const override { return "round-buffer"; }
  PolicySettings settings() const override;
  // When the running round ends without everyone: t*, or 2 t* with budgets
  // (infinity while some member has no estimate).
  double deadline_s() const { return deadline_s_; }
  // t* of the running round (infinity while some member has no estimate).
  double equilibrium_s() const { return equilibrium_s_; }
  // In round_buffer_state.cc.
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;
  // Members left out of the running round because they cannot make t*.
  size_t sitting_out() const { return out_.size(); }
  // The running round's budget for `client` (none: the trigger's own settings).
  RoundBudget round_budget(const std::string& client) const override;

 protected:
  bool take(AggregationHost& host, const std::string& client,
            const Contribution& contribution) override;
  void forget(const std::string& client) override;
  void commit_round(AggregationHost& host) override;
  void round_started(AggregationHost& host) override;
  bool complete(AggregationHost& host) const override;
  bool sits_out(const std::string& client) const override { return out_.count(client) != 0; }

 private:
  // Who takes part and with what budget, from the plan (budgets = 1).
  void assign_budgets(const ShadowheartPlan& plan);
  // Who takes part when every worker computes what its trigger says (budgets = 0).
  void leave_out_the_late();

  RoundBufferSettings settings_;
  std::vector<double> sum_;
  std::vector<float> direction_;
  uint32_t received_ = 0;                      // messages in the running round
  double z_ = 0;                               // sum of w_i b_i over them
  std::map<std::string, uint32_t> sent_;       // per member, this round
  std::map<std::string, double> h_;            // EMA of seconds per gradient
  std::map<std::string, uint32_t> b_;          // gradients per message, last seen
  std::set<std::string> out_;                  // members sitting the running round out
  std::map<std::string, RoundBudget> budget_;  // per member, the running round's b_i, m_i
  bool summed_ = false;  // the workers send SummedGradients (fixed-budget: they take budgets)
  double equilibrium_s_ = std::numeric_limits<double>::infinity();
  double deadline_s_ = std::numeric_limits<double>::infinity();
};

}  // namespace fedgate
