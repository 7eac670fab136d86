// Policy combinations that cannot work together, refused at start-up with a
// message that names both settings and what would fit (docs/algorithms.md, "Combinations the configuration refuses").
#pragma once

#include <string>

#include "core/base/status.h"

namespace fedgate {

struct PolicyChoice {
  std::string acceptance = "norm-ratio-simplified";
  std::string stepsize = "constant";
  std::string staleness = "identity";
  std::string aggregation = "apply-on-arrival";
  std::string trigger = "offer-first";  // chosen by the coordinator, run by the clients
};

Status check_policy_combination(const PolicyChoice& choice);

}  // namespace fedgate
