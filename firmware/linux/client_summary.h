// The Linux client's last line: its counters as one JSON object, valid for any client name.
#pragma once

#include <string>

#include "core/protocol/client_session.h"

namespace fedgate {

// {"event":"client_summary","name":...,"exit_code":...,"state":...,"model_version":..., counters}
std::string client_summary_json(const std::string& name, const ClientSession& session,
                                int exit_code);

}  // namespace fedgate
