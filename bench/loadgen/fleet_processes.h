// A synthetic fleet split across worker processes: this binary again, started
// with --fleet-worker. 10,000 clients need about 20,000 open files on the
// fleet's side (a connection and a mailbox per socket) beside 10,000 on the
// server's, more than one process may open here (docs/performance.md, "End to
// end"). Each worker registers its share, then all measure over one window
// of the steady clock (one clock for every process of the machine) and report
// back over a pipe; the parent adds their counts up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/loadgen/synthetic_fleet.h"

namespace fedgate::loadgen {

// The model the load uses: softmax over kClasses, sent in chunks of the
// coordinator's default size.
constexpr uint32_t kClasses = 10;
constexpr uint32_t kChunkFloats = 1024;

// What one worker runs: `clients` clients numbered from `first_id`, speaking
// the fedgate protocol or (raw) raw frames of its sizes, to `endpoint`.
struct FleetShare {
  std::string endpoint;
  bool raw = false;
  uint32_t features = 0;
  size_t clients = 0;
  size_t first_id = 0;
};

// How many processes `clients` need (1: this one), so that none opens more
// files than the hard limit; 0 with a message when even that cannot be.
size_t fleet_processes(size_t clients, std::string* message);

// Runs `clients` in `processes` workers started from `self` (this binary).
FleetResult run_fleet_in_processes(const std::string& self, const FleetShare& fleet,
                                   size_t processes, const FleetRun& plan);

// The worker's side, reading the window from stdin and writing to stdout; the exit status.
int fleet_worker_main(const FleetShare& share, double register_timeout_s);

}  // namespace fedgate::loadgen
