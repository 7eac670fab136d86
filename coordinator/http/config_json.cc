#include "coordinator/http/config_json.h"

#include <sstream>

#include <toml++/toml.h>

namespace fedgate {

// One source of truth: the TOML --print-config writes, converted by toml++.
std::string coordinator_config_json(const CoordinatorConfig& config) {
  toml::parse_result parsed = toml::parse(render_coordinator_config(config));
  if (!parsed) return "{}";
  std::ostringstream out;
  out << toml::json_formatter(parsed.table());
  return out.str();
}

}  // namespace fedgate
