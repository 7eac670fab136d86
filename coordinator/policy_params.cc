#include "coordinator/policy_params.h"

#include <cmath>

namespace fedgate {

Result<double> PolicyParams::checked(const std::string& key, double fallback, double min,
                                     double max, bool min_exclusive) const {
  used_.insert(key);
  auto it = values_.find(key);
  const double value = it == values_.end() ? fallback : it->second;
  const bool below = min_exclusive ? value <= min : value < min;
  if (!std::isfinite(value) || below || value > max) {
    return Status::error(StatusCode::kInvalidArgument, "%s.%s = %g is outside %c%g, %g]",
                         section_.c_str(), key.c_str(), value, min_exclusive ? '(' : '[', min, max);
  }
  return value;
}

Result<double> PolicyParams::number(const ParamSpec& spec) const {
  if (spec.kind == ParamKind::kCount) {
    FG_ASSIGN_OR_RETURN(uint32_t whole, count(spec));
    return static_cast<double>(whole);
  }
  return checked(spec.key, spec.fallback, spec.min, spec.max, spec.kind == ParamKind::kAbove);
}

Result<uint32_t> PolicyParams::count(const ParamSpec& spec) const {
  FG_ASSIGN_OR_RETURN(double value, checked(spec.key, spec.fallback, spec.min, spec.max, false));
  if (value != std::floor(value)) {
    return Status::error(StatusCode::kInvalidArgument, "%s.%s = %g must be a whole number",
                         section_.c_str(), spec.key, value);
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
