// PolicyParams: the numeric settings of one policy, read from its config
// section, with range checks whose errors name the key and the allowed range.
// Keys a policy never asked for are reported, so a typo is an error, not a
// silently ignored setting.
#pragma once

#include <map>
#include <set>
#include <string>

#include "core/base/param_reader.h"
#include "core/base/status.h"

namespace fedgate {

class PolicyParams {
 public:
  PolicyParams() = default;
  PolicyParams(std::string section, std::map<std::string, double> values)
      : section_(std::move(section)), values_(std::move(values)) {}

  // The setting `spec` declares (its default when absent), checked by its kind
  // and range; errors name "<section>.<key>" and the range.
  Result<double> number(const ParamSpec& spec) const;
  // A kCount setting as a whole number.
  Result<uint32_t> count(const ParamSpec& spec) const;
  // Error naming every key no policy asked for.
  Status check_all_used() const;

  const std::string& section() const { return section_; }
  const std::map<std::string, double>& values() const { return values_; }

 private:
  Result<double> checked(const std::string& key, double fallback, double min, double max,
                         bool min_exclusive) const;

  std::string section_;
  std::map<std::string, double> values_;
  mutable std::set<std::string> used_;
};

}  // namespace fedgate
