// StepsizePolicy: the stepsize gamma for one applied gradient (docs/algorithms.md, "Stepsize").
#pragma once

#include <cstdint>
#include <string>

#include "coordinator/acceptance/acceptance_policy.h"

namespace fedgate {

struct StepContext {
  uint32_t staleness = 0;        // tau = t - v at the moment of applying
  uint32_t current_version = 0;  // t before the step
  uint32_t busy_clients = 0;     // registered clients (the concurrency, tau_C)
  // Per-update facts for policies that keep per-client state (rescaled,
  // shadowheart). `client` may be null (then they treat the update as anonymous).
  const std::string* client = nullptr;
  uint32_t compute_us = 0;  // the client's reported compute time (0 = not reported)
  int64_t now_us = 0;       // coordinator clock at arrival
  uint32_t gradients = 1;   // gradients summed in this update (b_i; >= 1)
  uint32_t messages = 0;    // sends of that sum this round (Update.parts, m_i; 0 = not said)
};

class StepsizePolicy {
 public:
  virtual ~StepsizePolicy() = default;
  virtual const char* name() const = 0;
  virtual double gamma(const StepContext& step) = 0;
  virtual PolicySettings settings() const = 0;
  // `client` said Bye; forget its per-client state.
  virtual void on_client_left(const std::string& client) { (void)client; }
  // Checkpoints (docs/run-directory.md): the state a resumed run needs. The
  // default says "stateless": nothing is written or read.
  virtual void save_state(StateWriter& out) const { (void)out; }
  virtual void restore_state(StateReader& in) { (void)in; }
};

}  // namespace fedgate
