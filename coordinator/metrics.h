// Metrics: every counter a run keeps, and the JSON-lines log that makes a run
// readable afterwards: one "run" object first (version, effective config, seeds,
// start time), one small "eval" object per evaluation, one "summary" at the end
// with the per-client table. docs/run-directory.md describes the lines.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/client_registry.h"
#include "coordinator/limits.h"
#include "schemas/fedgate_generated.h"

namespace fedgate {

struct Metrics {
  uint64_t messages_up = 0;
  uint64_t messages_down = 0;
  uint64_t bytes_up = 0;
  uint64_t bytes_down = 0;
  uint64_t hellos = 0;
  uint64_t offers = 0;  // offers that passed validation and got a Decision
  uint64_t accepts = 0;
  uint64_t rejects = 0;
  uint64_t updates = 0;  // contributions the aggregation policy applied or buffered (not dropped)
  uint64_t skips = 0;
  uint64_t commits = 0;         // model versions made (= updates for the asynchronous policies)
  uint64_t clipped = 0;         // gradients the staleness policy dropped entirely
  uint64_t forced_accepts = 0;  // offers accepted by the starvation guard
  uint64_t buffered = 0;        // contributions held for a round's commit
  uint64_t reused = 0;          // stale contributions re-applied for a Skip (stale-sum)
  uint64_t dropped_old = 0;     // contributions that came after their round's commit
  uint64_t held = 0;            // models held back (random-dispatch queue, add-update skew)
  uint64_t model_sends = 0;     // whole models sent (as chunks)
  uint64_t errors = 0;          // Error replies sent for faults (not stale offers)
  // Offers for a version the acceptance window no longer holds: normal under
  // load; the client gets the current model (and a VersionOutsideWindow reply).
  uint64_t stale_offers = 0;
  uint64_t clients_never_applied = 0;  // registered clients none of whose updates was applied
  LimitCounts limits;                  // docs/security.md, "Limits"
  std::map<std::string, uint64_t> errors_by_code;
  std::map<uint32_t, uint64_t> staleness;  // tau -> applied updates with that tau
};

struct EvalPoint {
  uint32_t version = 0;
  double time_s = 0;
  double accuracy = 0;
  double loss = 0;
};

// Text fields a line carries after the counters, in this order: the summary's
// stop reason and policy names.
using TextFields = std::vector<std::pair<std::string, std::string>>;

// What the metrics file's first line says about the run.
struct RunHeader {
  std::string version;      // fedgate's version text (cli/version.h)
  std::string config_json;  // the effective configuration as a JSON object
  std::vector<std::pair<std::string, uint64_t>> seeds;  // name -> seed
  std::string started_utc;                              // ISO 8601, e.g. 2026-12-01T04:47:32Z
};

// The "run" line, without the trailing newline.
std::string run_header_json(const RunHeader& header);

// Now as ISO 8601 UTC with seconds ("2026-12-01T04:47:32Z").
std::string utc_now_iso8601();

// Writes JSON lines to a file (or nowhere when the path is empty).
class MetricsLog {
 public:
  MetricsLog() = default;
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // Opens (truncates, or appends to: a resumed run) `path`; false with errno set when it cannot.
  bool open(const std::string& path, bool append = false);
  // Per-client tables in every "eval" line too, not only in the summary
  // (run.metrics_clients; off by default: a line grows with the fleet).
  void set_clients_in_evals(bool on) { clients_in_evals_ = on; }
  void write(const char* event, const EvalPoint& point, const Metrics& metrics,
             const ClientRegistry& clients, const TextFields& extra = {});
  // Appends one line of JSON made elsewhere (the simulator's summary lines).
  void write_line(const std::string& json);

 private:
  std::FILE* file_ = nullptr;
  bool clients_in_evals_ = false;
};

// "ok", or "non-finite-loss" when the evaluation's loss or accuracy is NaN or
// infinite (they are then written as null).
const char* evaluation_health(const EvalPoint& point);

// The object a metrics line holds, without the trailing newline. Non-finite
// values (a diverged loss) are written as null.
std::string metrics_json(const char* event, const EvalPoint& point, const Metrics& metrics,
                         const ClientRegistry& clients, const TextFields& extra = {});

}  // namespace fedgate
