// SimConfig: a fedgate-sim run is the coordinator's own configuration (the same
// TOML file and keys as fedgate-coordinator, read by load_coordinator_config)
// plus a [sim] section describing the virtual fleet. docs/simulator.md lists
// every [sim] key.
#pragma once

#include <string>
#include <vector>

#include "coordinator/coordinator_config.h"
#include "core/base/status.h"
#include "core/data/partition.h"

namespace fedgate {
namespace sim {

enum class ComputeKind { kFixed, kSqrt, kExponential, kStraggler, kMix };

// How long each client takes per gradient (virtual time).
struct ComputeSpec {
  ComputeKind kind = ComputeKind::kFixed;
  double base_ms = 100;           // h for fixed; h_1 for sqrt; mean for exponential
  double straggler_factor = 100;  // straggler: the last client is this much slower
  double slow_fraction = 0.1;     // mix: share of slow clients (the last ones)
  double slow_ratio = 6;          // mix: how much slower they are
  double jitter = 0;              // every draw times U(1 - jitter, 1 + jitter): no lockstep
};

// One client's link, the same in both directions' shape: a message leaves when
// the link is free, takes bytes / bandwidth to transmit, then latency to arrive.
struct LinkSpec {
  double latency_ms = 0;
  double up_mbit_s = 0;    // client -> coordinator; 0 = unlimited
  double down_mbit_s = 0;  // coordinator -> client; 0 = unlimited
};

enum class DatasetKind { kFashionMnist, kIdx, kQuadratic };

// The least-squares problem of Mishchenko et al.: A (rows x features) with
// entries uniform in [0, 1) / sqrt(features), b = A x* + noise * N(0, 1).
struct QuadraticSpec {
  uint32_t rows = 10000;
  uint32_t features = 400;
  double noise = 1e-5;
};

struct SimSettings {
  uint32_t clients = 10;
  uint64_t seed = 1;
  DatasetKind dataset = DatasetKind::kFashionMnist;
  std::string train_images;  // dataset = "idx"
  std::string train_labels;
  // "full": every client samples the whole training set (the homogeneous setting
  // of the ASGD papers); otherwise a core/data partition scheme.
  bool full_data = false;
  PartitionSpec partition;
  // The parts go to the clients in order of their mean label, so speed (slow
  // clients are the high indices) correlates with the data (docs/simulator.md).
  bool order_by_label = false;
  ComputeSpec compute;
  LinkSpec link;
  QuadraticSpec quadratic;
  double max_virtual_seconds = 0;  // 0 = until the coordinator stops
  double progress_seconds = 5;     // wall seconds between progress lines (0 = none)
  // Threads that run clients' handlers (0 = one per core); the metrics do not
  // depend on it (docs/simulator.md, "Threads").
  uint32_t threads = 0;
};

struct SimConfig {
  CoordinatorConfig coordinator;
  SimSettings sim;
};

// Reads `path` and applies "section.key=value" overrides; the [sim] section is
// read here, everything else by load_coordinator_config. Errors name the key
// and its allowed range.
Result<SimConfig> load_sim_config(const std::string& path,
                                  const std::vector<std::string>& overrides);

const char* compute_kind_name(ComputeKind kind);

}  // namespace sim
}  // namespace fedgate
