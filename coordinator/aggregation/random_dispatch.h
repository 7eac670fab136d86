// RandomDispatch: Koloskova, Stich, Jaggi's Algorithm 2 (docs/algorithms.md [P2a]) for
// heterogeneous data. Every contribution is applied at once, and the new model
// goes to a client drawn uniformly at random, not to the one that finished:
// fast clients no longer get more jobs, so the iterates follow the average
// objective. In our protocol a client takes a model only while idle, so a job
// drawn for a busy client is queued (owed) and sent when it next finishes.
// Each update creates exactly one job, so the number of jobs in flight stays
// at the number of clients that joined; jobs owed to a client that leaves are
// drawn again among the others, so none is lost and no client waits forever
// while jobs exist.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "coordinator/aggregation/aggregation_policy.h"
#include "coordinator/policy_entry.h"
#include "core/base/rng.h"

namespace fedgate {

class RandomDispatch : public AggregationPolicy {
 public:
  explicit RandomDispatch(uint64_t seed) : seed_(seed), rng_(seed) {}

  const char* name() const override { return "random-dispatch"; }
  PolicySettings settings() const override { return {{"seed", static_cast<double>(seed_)}}; }
  void on_join(AggregationHost& host, const std::string& client) override;
  void on_leave(AggregationHost& host, const std::string& client) override;
  bool on_update(AggregationHost& host, const std::string& client,
                 const Contribution& contribution) override;
  void on_skip(AggregationHost& host, const std::string& client, uint32_t version) override;
  void on_model_request(AggregationHost& host, const std::string& client) override;

  bool busy(const std::string& client) const { return busy_.count(client) != 0; }
  uint32_t owed(const std::string& client) const;
  // The draw's generator, the members in join order, who is busy, jobs owed.
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

 private:
  // Gives one job to a uniformly drawn client: now if idle, else queued.
  void assign_random(AggregationHost& host);
  void give(AggregationHost& host, const std::string& client);
  // An idle client with queued jobs gets one.
  void serve_owed(AggregationHost& host, const std::string& client);

  uint64_t seed_;
  Rng rng_;
  std::vector<std::string> members_;        // in join order; drawn from uniformly
  std::map<std::string, size_t> position_;  // index in members_
  std::set<std::string> busy_;              // holds a model, has not answered yet
  std::map<std::string, uint32_t> owed_;
};

}  // namespace fedgate
