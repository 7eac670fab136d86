// ApplyOnArrival: every contribution becomes a version at once and the new
// model goes back to the client that sent it (vanilla ASGD; Koloskova et al.
// Example 3, "maximum concurrency"). The behaviour before aggregation
// policies existed.
#pragma once

#include "coordinator/aggregation/aggregation_policy.h"
#include "coordinator/policy_entry.h"

namespace fedgate {

class ApplyOnArrival : public AggregationPolicy {
 public:
  const char* name() const override { return "apply-on-arrival"; }
  PolicySettings settings() const override { return {}; }
  void on_join(AggregationHost& host, const std::string& client) override {
    host.send_model(client);
  }
  void on_leave(AggregationHost&, const std::string&) override {}
  bool on_update(AggregationHost& host, const std::string& client,
                 const Contribution& contribution) override {
    host.commit(contribution.values, descent_factor(contribution));
    host.send_model(client);
    return true;
  }
  void on_skip(AggregationHost& host, const std::string& client, uint32_t) override {
    host.send_model(client);
  }
};

}  // namespace fedgate
