// StatusSnapshot: an immutable copy of what the coordinator shows over HTTP
// (docs/monitoring.md). The coordinator loop builds one from Coordinator's
// public accessors; the HTTP thread only ever reads finished snapshots.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/coordinator.h"

namespace fedgate {

// One row of the per-client table.
struct ClientStatus {
  std::string name;
  bool active = false;
  std::string device_class;
  double last_seen_age_s = 0;  // seconds since its last message (by the coordinator's clock)
  ClientCounts counts;
  double mean_staleness = 0;  // over its applied updates (0 when none)
};

struct StatusSnapshot {
  double uptime_s = 0;  // since the publisher started, by the coordinator's clock
  bool running = true;
  std::string stop_reason;
  uint32_t version = 0;
  double model_norm = 0;  // L2 norm of the global model's parameters
  uint64_t clients_active = 0;
  Metrics metrics;
  EvalPoint last_eval;
  bool evaluated = false;        // last_eval holds an evaluation
  std::vector<EvalPoint> evals;  // oldest first (thinned on very long runs)
  std::vector<ClientStatus> clients;
  std::string config_json;  // the effective configuration as a JSON object
};

// Copies the coordinator's current state; `now_us` and `start_us` come from
// the coordinator's own clock.
StatusSnapshot take_status_snapshot(const Coordinator& coordinator, int64_t now_us,
                                    int64_t start_us);

}  // namespace fedgate
