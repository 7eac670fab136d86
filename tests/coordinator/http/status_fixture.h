// A small real run for the HTTP tests: a coordinator (accept-all, constant
// stepsize) driven at the message level by CoordinatorHarness, whose snapshot
// has offers, applied updates of several staleness values and an error.
#pragma once

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/http/status_snapshot.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "tests/coordinator/coordinator_harness.h"

namespace fedgate::testing {

inline ServerPolicies accept_all_policies() {
  ServerPolicies policies;
  policies.acceptance = std::make_unique<AcceptAll>();
  policies.stepsize = std::make_unique<ConstantStepsize>(0.1);
  return policies;
}

// Two clients (one named with a quote and a backslash, which labels must
// escape); "a" contributes at versions 0, 1 and 1 again (staleness 0, 0, 1).
inline void play_small_run(CoordinatorHarness& h) {
  h.hello("a");
  h.hello("b\"\\x");
  const std::vector<float> g(CoordinatorHarness::kDim, 0.25f);
  h.contribute("a", g);
  h.contribute_at("b\"\\x", 0, g);                 // staleness 1
  h.contribute_at("a", 1, g);                      // staleness 1
  const std::vector<uint8_t> garbage = {1, 2, 3};  // not a message: an Error reply
  h.coordinator().handle("a", Span<const uint8_t>(garbage));
  h.clock().advance_us(2'500'000);
}

}  // namespace fedgate::testing
