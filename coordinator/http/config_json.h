// The effective configuration as JSON, for /api/status and the dashboard.
#pragma once

#include <string>

#include "coordinator/coordinator_config.h"

namespace fedgate {

// The sections and keys --print-config shows, as one JSON object.
std::string coordinator_config_json(const CoordinatorConfig& config);

}  // namespace fedgate
