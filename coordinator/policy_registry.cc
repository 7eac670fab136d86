#include "coordinator/policy_registry.h"

#include <cstdio>
#include <cstring>
#include <map>

#include "coordinator/policy_catalog.h"

namespace fedgate {

// Each policy's .cc defines its entry; policy_list.h names them.
#define FEDGATE_POLICY(family, entry) extern const family##Entry entry;
#include "coordinator/policy_list.h"
#undef FEDGATE_POLICY

namespace {

// One array per family from the one list: FEDGATE_ONLY_<family> keeps the
// lines of that family.
#define FEDGATE_POLICY(family, entry) FEDGATE_ONLY_##family(&entry)
#define FEDGATE_ONLY_Acceptance(entry) entry,
#define FEDGATE_ONLY_Stepsize(entry)
#define FEDGATE_ONLY_Staleness(entry)
#define FEDGATE_ONLY_Aggregation(entry)
const AcceptanceEntry* const kAcceptance[] = {
#include "coordinator/policy_list.h"
};
#undef FEDGATE_ONLY_Acceptance
#undef FEDGATE_ONLY_Stepsize
#define FEDGATE_ONLY_Acceptance(entry)
#define FEDGATE_ONLY_Stepsize(entry) entry,
const StepsizeEntry* const kStepsize[] = {
#include "coordinator/policy_list.h"
};
#undef FEDGATE_ONLY_Stepsize
#undef FEDGATE_ONLY_Staleness
#define FEDGATE_ONLY_Stepsize(entry)
#define FEDGATE_ONLY_Staleness(entry) entry,
const StalenessEntry* const kStaleness[] = {
#include "coordinator/policy_list.h"
};
#undef FEDGATE_ONLY_Staleness
#undef FEDGATE_ONLY_Aggregation
#define FEDGATE_ONLY_Staleness(entry)
#define FEDGATE_ONLY_Aggregation(entry) entry,
const AggregationEntry* const kAggregation[] = {
#include "coordinator/policy_list.h"
};
#undef FEDGATE_ONLY_Acceptance
#undef FEDGATE_ONLY_Stepsize
#undef FEDGATE_ONLY_Staleness
#undef FEDGATE_ONLY_Aggregation
#undef FEDGATE_POLICY

template <typename Entry, size_t N>
Span<const Entry* const> as_span(const Entry* const (&entries)[N]) {
  return Span<const Entry* const>(entries, N);
}

template <typename Policy>
std::vector<PolicyInfo> infos_of() {
  // The texts live as long as the program: callers print them as C strings.
  static std::map<const void*, std::string> texts;
  std::vector<PolicyInfo> infos;
  for (const auto* entry : registered_policies<Policy>()) {
    auto text = texts.emplace(entry, params_text(entry->params)).first;
    infos.push_back({entry->name, entry->summary, text->second.c_str(), entry->params});
  }
  return infos;
}

// Builds the policy `name` of a family, then refuses settings it never read.
template <typename Policy>
Result<std::unique_ptr<Policy>> make_policy(const char* family, const std::string& name,
                                            const PolicyParams& params,
                                            const PolicyContext& context) {
  for (const auto* entry : registered_policies<Policy>()) {
    if (name != entry->name) continue;
    FG_ASSIGN_OR_RETURN(auto policy, entry->make(params, context));
    FG_TRY(params.check_all_used());
    return policy;
  }
  return unknown_policy_error("unknown " + std::string(family) + " policy '" + name + "'", family);
}

}  // namespace

template <>
Span<const AcceptanceEntry* const> registered_policies<AcceptancePolicy>() {
  return as_span(kAcceptance);
}
template <>
Span<const StepsizeEntry* const> registered_policies<StepsizePolicy>() {
  return as_span(kStepsize);
}
template <>
Span<const StalenessEntry* const> registered_policies<StalenessPolicy>() {
  return as_span(kStaleness);
}
template <>
Span<const AggregationEntry* const> registered_policies<AggregationPolicy>() {
  return as_span(kAggregation);
}

std::vector<PolicyInfo> acceptance_policy_infos() { return infos_of<AcceptancePolicy>(); }
std::vector<PolicyInfo> stepsize_policy_infos() { return infos_of<StepsizePolicy>(); }
std::vector<PolicyInfo> staleness_policy_infos() { return infos_of<StalenessPolicy>(); }
std::vector<PolicyInfo> aggregation_policy_infos() { return infos_of<AggregationPolicy>(); }

std::string params_text(Span<const ParamSpec> table) {
  std::string text;
  for (const ParamSpec& spec : table) {
    char item[96];
    std::snprintf(item, sizeof(item), "%s%s = %g", text.empty() ? "" : ", ", spec.key,
                  spec.fallback);
    text += item;
  }
  return text.empty() ? "(none)" : text;
}

Result<std::unique_ptr<AcceptancePolicy>> make_acceptance_policy(const std::string& name,
                                                                 const PolicyParams& params,
                                                                 const GlobalModel& model) {
  PolicyContext context;
  context.model = &model;
  return make_policy<AcceptancePolicy>("acceptance", name, params, context);
}

Result<std::unique_ptr<StepsizePolicy>> make_stepsize_policy(
    const std::string& name, const PolicyParams& params, const PolicyParams& aggregation_params) {
  PolicyContext context;
  context.aggregation_params = &aggregation_params;
  return make_policy<StepsizePolicy>("stepsize", name, params, context);
}

Result<std::unique_ptr<StalenessPolicy>> make_staleness_policy(const std::string& name,
                                                               const PolicyParams& params,
                                                               const GlobalModel& model) {
  PolicyContext context;
  context.model = &model;
  return make_policy<StalenessPolicy>("staleness", name, params, context);
}

Result<std::unique_ptr<AggregationPolicy>> make_aggregation_policy(const std::string& name,
                                                                   const PolicyParams& params,
                                                                   const GlobalModel& model,
                                                                   uint64_t seed) {
  PolicyContext context;
  context.model = &model;
  context.seed = seed;
  return make_policy<AggregationPolicy>("aggregation", name, params, context);
}

}  // namespace fedgate
