// StepsizePolicy: the stepsize gamma for one applied gradient (ALGORITHMS.md 6.3).
#pragma once

#include <cstdint>
#include <string>

#include "coordinator/acceptance/acceptance_policy.h"

namespace fedgate {

struct StepContext {
  uint32_t staleness = 0;        // tau = t - v at the moment of applying
  uint32_t current_version = 0;  // t before the step
  uint32_t busy_clients = 0;     // registered clients (the concurrency, tau_C)
};

class StepsizePolicy {
 public:
  virtual ~StepsizePolicy() = default;
  virtual const char* name() const = 0;
  virtual double gamma(const StepContext& step) = 0;
  virtual PolicySettings settings() const = 0;
};

}  // namespace fedgate
