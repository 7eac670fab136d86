#include "coordinator/policy_params.h"

#include <cmath>

namespace fedgate {

Result<double> PolicyParams::number(const std::string& key, double fallback, double min,
                                    double max) const {
  used_.insert(key);
  auto it = values_.find(key);
  const double value = it == values_.end() ? fallback : it->second;
  if (!std::isfinite(value) || value < min || value > max) {
    return Status::error(StatusCode::kInvalidArgument, "%s.%s = %g is outside [%g, %g]",
                         section_.c_str(), key.c_str(), value, min, max);
  }
  return value;
}

Result<uint32_t> PolicyParams::count(const std::string& key, uint32_t fallback, uint32_t min,
                                     uint32_t max) const {
  FG_ASSIGN_OR_RETURN(double value, number(key, fallback, min, max));
  if (value != std::floor(value)) {
    return Status::error(StatusCode::kInvalidArgument, "%s.%s = %g must be a whole number",
                         section_.c_str(), key.c_str(), value);
  }
  return static_cast<uint32_t>(value);
}

Status PolicyParams::check_all_used() const {
  std::string unknown;
  for (const auto& [key, value] : values_) {
    if (used_.count(key) == 0) unknown += (unknown.empty() ? "" : ", ") + key;
  }
  if (unknown.empty()) return Status::ok();
  return Status::error(StatusCode::kInvalidArgument, "unknown setting(s) in [%s]: %s",
                       section_.c_str(), unknown.c_str());
}

}  // namespace fedgate
