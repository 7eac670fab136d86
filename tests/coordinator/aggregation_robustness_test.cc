// Random message sequences from a small fleet against every aggregation policy:
// whatever the order of offers, updates, skips, leaves, requests and ticks,
// nothing crashes, the model stays finite, and a fleet that keeps answering
// keeps making versions (no policy deadlocks).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/policy_registry.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "coordinator/stepsize/shadowheart_stepsize.h"
#include "core/base/rng.h"
#include "tests/coordinator/coordinator_harness.h"

namespace fedgate {
namespace {

class AggregationRobustness : public ::testing::TestWithParam<const char*> {};

ServerPolicies policies_for(const std::string& name) {
  GlobalModel probe(std::vector<float>(CoordinatorHarness::kDim));
  ServerPolicies policies;
  policies.acceptance = std::make_unique<AcceptAll>();
  if (name == "round-buffer") {
    policies.stepsize = std::make_unique<ShadowheartStepsize>(0.1);
  } else {
    policies.stepsize = std::make_unique<ConstantStepsize>(0.1);
  }
  auto staleness = make_staleness_policy(
      name == "apply-on-arrival" || name == "random-dispatch" ? "pc-asgd" : "identity",
      PolicyParams(), probe);
  policies.staleness = std::move(staleness).value();
  auto aggregation = make_aggregation_policy(name, PolicyParams(), probe, 5);
  policies.aggregation = std::move(aggregation).value();
  return policies;
}

TEST_P(AggregationRobustness, RandomTrafficKeepsTheModelFiniteAndMoving) {
  CoordinatorHarness h(policies_for(GetParam()));
  const std::vector<std::string> ids{"a", "b", "c", "d"};
  std::set<std::string> present;
  Rng rng(99);
  auto gradient = [&] {
    std::vector<float> g(CoordinatorHarness::kDim);
    for (float& v : g) v = static_cast<float>(rng.normal());
    return g;
  };
  const wire::UpdateKind kinds[] = {wire::UpdateKind::Gradient, wire::UpdateKind::SummedGradient,
                                    wire::UpdateKind::LocalUpdate};
  for (int step = 0; step < 3000; ++step) {
    const std::string& id = ids[rng.uniform(4)];
    const uint32_t action = rng.uniform(20);
    if (present.count(id) == 0 || action == 0) {
      h.hello(id);
      present.insert(id);
    } else if (action < 12) {
      h.contribute(id, gradient(), kinds[rng.uniform(3)], 8 * (1 + rng.uniform(3)),
                   rng.uniform(2'000'000));
    } else if (action < 15) {
      h.skip(id);
    } else if (action < 17) {
      h.model_request(id);
    } else if (action < 18) {
      h.bye(id);
      present.erase(id);
    } else {
      h.clock().advance_us(rng.uniform(3'000'000));
      h.tick();
    }
    for (float x : h.params()) ASSERT_TRUE(std::isfinite(x)) << "step " << step;
  }
  EXPECT_GT(h.version(), 20u) << GetParam();
}

// Clients that answer only the model they were given (as real ones do): at
// every moment some client holds a job, so the run never stalls, and every
// policy keeps committing, also while clients come and go.
TEST_P(AggregationRobustness, WellBehavedFleetNeverStalls) {
  CoordinatorHarness h(policies_for(GetParam()));
  const std::vector<std::string> ids{"a", "b", "c", "d", "e"};
  std::set<std::string> jobs;  // clients holding a model they have not answered
  std::set<std::string> present;
  auto collect = [&] {
    for (const auto& [client, version] : h.models_sent()) jobs.insert(client);
  };
  for (const auto& id : ids) {
    h.hello(id);
    present.insert(id);
    collect();
  }
  Rng rng(5);
  for (int step = 0; step < 2000; ++step) {
    ASSERT_FALSE(jobs.empty()) << GetParam() << " stalled at step " << step;
    std::vector<std::string> ready(jobs.begin(), jobs.end());
    const std::string id = ready[rng.uniform(static_cast<uint32_t>(ready.size()))];
    jobs.erase(id);
    const uint32_t action = rng.uniform(50);
    if (action == 0 && present.size() > 1) {
      h.bye(id);
      present.erase(id);
    } else if (action < 8) {
      h.skip(id);
    } else {
      std::vector<float> g(CoordinatorHarness::kDim, 0.01f);
      h.contribute(id, g, wire::UpdateKind::Gradient, 8, 1000 * (1 + rng.uniform(100)));
    }
    collect();
    if (rng.uniform(100) == 0) {  // someone (re)joins
      for (const auto& other : ids) {
        if (present.count(other) != 0) continue;
        h.hello(other);
        present.insert(other);
        collect();
        break;
      }
    }
  }
  EXPECT_GT(h.version(), 100u) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, AggregationRobustness,
                         ::testing::Values("apply-on-arrival", "random-dispatch", "stale-sum",
                                           "round-buffer", "sync-minibatch", "add-update"),
                         [](const auto& test) {
                           std::string name = test.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace fedgate
