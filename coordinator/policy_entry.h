// PolicyEntry: how one server-side policy describes itself. Its .cc defines
// one entry (name, one-line summary, parameter table, factory) and
// coordinator/policy_list.h names it in one line; the registry, --list-policies,
// --print-config and the docs check all read the entry, so nothing else repeats
// a policy's name, settings or defaults.
#pragma once

#include <cstdint>
#include <memory>

#include "coordinator/global_model.h"
#include "coordinator/policy_params.h"
#include "core/base/param_reader.h"
#include "core/base/span.h"
#include "core/base/status.h"

namespace fedgate {

class AcceptancePolicy;
class StepsizePolicy;
class StalenessPolicy;
class AggregationPolicy;

// What a policy may need from the run at construction, beyond its own settings.
struct PolicyContext {
  // The initial model (its dimension, its snapshots); null for stepsize
  // policies, which see the model only through StepContext.
  const GlobalModel* model = nullptr;
  uint64_t seed = 0;  // the run's model seed
  // The aggregation's own settings: a stepsize that weighs the aggregation's
  // rounds (shadowheart) reads them here.
  const PolicyParams* aggregation_params = nullptr;
};

template <typename Policy>
struct PolicyEntry {
  const char* name;
  const char* summary;           // one line for --list-policies and the docs
  Span<const ParamSpec> params;  // every setting, in the order they are listed
  Result<std::unique_ptr<Policy>> (*make)(const PolicyParams& params, const PolicyContext& context);
};

using AcceptanceEntry = PolicyEntry<AcceptancePolicy>;
using StepsizeEntry = PolicyEntry<StepsizePolicy>;
using StalenessEntry = PolicyEntry<StalenessPolicy>;
using AggregationEntry = PolicyEntry<AggregationPolicy>;

}  // namespace fedgate
