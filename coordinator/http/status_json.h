// The /api/status document: a StatusSnapshot as JSON, with the per-client
// table, the evaluation history and the run's configuration that the
// dashboard draws (docs/monitoring.md describes the fields).
#pragma once

#include <nlohmann/json.hpp>

#include "coordinator/http/status_snapshot.h"

namespace fedgate {

nlohmann::json status_json(const StatusSnapshot& snapshot);

}  // namespace fedgate
