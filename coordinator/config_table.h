// The TOML side of a configuration, for programs that read sections of their
// own beside the coordinator's (fedgate-sim). Include only from sources built
// with TOML_EXCEPTIONS=0 and TOML_HEADER_ONLY=1, like coordinator_config.cc.
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "coordinator/coordinator_config.h"

namespace fedgate {

// Parses `path` (empty: an empty table), then applies each "section.key=value"
// override; values are TOML literals, and bare words count as strings.
Result<toml::table> read_config_table(const std::string& path,
                                      const std::vector<std::string>& overrides);

// The coordinator's configuration from a table read so; unknown sections or
// keys are errors that name them.
Result<CoordinatorConfig> coordinator_config_from_table(const toml::table& root);

}  // namespace fedgate
