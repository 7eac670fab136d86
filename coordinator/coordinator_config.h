// CoordinatorConfig: everything a coordinator run is told, from a TOML file
// plus command-line overrides. docs/configuration.md lists every key.
#pragma once

#include <string>
#include <vector>

#include "coordinator/coordinator.h"
#include "coordinator/policy_params.h"
#include "core/base/status.h"

namespace fedgate {

struct CoordinatorConfig {
  std::string bind = "tcp://*:5555";
  // CURVE (docs/security.md): the server's key pair file and the allow-list (a
  // file of public keys or a directory of .pub files); both empty: off.
  std::string curve_secret_key_file;
  std::string curve_authorized_keys;
  std::string http;              // server.http: HOST:PORT of the monitoring endpoints; empty = off
  bool http_per_client = false;  // server.http_per_client: per-client series on /metrics
  CoordinatorSettings settings;
  std::string model_kind = "softmax";
  uint64_t seed = 1;
  // Test data: an IDX pair, or a CSV file.
  std::string test_images;
  std::string test_labels;
  std::string test_csv;
  int csv_label_column = 0;
  std::string acceptance = "norm-ratio-simplified";
  PolicyParams acceptance_params;
  std::string stepsize = "constant";
  PolicyParams stepsize_params;
  uint32_t starvation_limit =
      0;  // [acceptance] starvation_limit; 0 = no guard (unset: 3 under a norm rule)
  std::string staleness = "identity";
  PolicyParams staleness_params;
  std::string aggregation = "apply-on-arrival";
  PolicyParams aggregation_params;
  std::string metrics_path;
  std::string run_dir;             // run.dir: where the run writes everything; empty = nowhere
  std::string model_init;          // model.init: a saved model (safetensors) to start from
  std::string log_level = "info";  // run.log_level: trace..off (coordinator/logging.h)
  bool metrics_clients = false;    // run.metrics_clients: per-client tables in eval lines too
  // Checkpoints in run.dir (docs/run-directory.md says why these defaults).
  uint32_t checkpoint_every_versions = 1000;  // 0 = not by versions
  double checkpoint_every_seconds = 60;       // 0 = not by time
  uint32_t checkpoints_kept = 3;
};

// Reads `path` (empty: defaults only), then applies each "section.key=value"
// override; values are TOML literals, and bare words count as strings.
// Unknown sections or keys are errors that name them.
Result<CoordinatorConfig> load_coordinator_config(const std::string& path,
                                                  const std::vector<std::string>& overrides);

// The TOML text of the effective configuration, for --print-config.
std::string render_coordinator_config(const CoordinatorConfig& config);

// The same as a JSON object, for the metrics file's "run" line.
std::string coordinator_config_json(const CoordinatorConfig& config);

}  // namespace fedgate
