#include "coordinator/policy_registry.h"

#include <cstring>

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/drop_if_stale.h"
#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/acceptance/norm_ratio_simplified.h"
#include "coordinator/aggregation/add_update.h"
#include "coordinator/aggregation/apply_on_arrival.h"
#include "coordinator/aggregation/random_dispatch.h"
#include "coordinator/aggregation/round_buffer.h"
#include "coordinator/aggregation/stale_sum.h"
#include "coordinator/aggregation/sync_minibatch.h"
#include "coordinator/staleness/identity_staleness.h"
#include "coordinator/staleness/pc_asgd_staleness.h"
#include "coordinator/stepsize/aet_diminishing_stepsize.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "coordinator/stepsize/koloskova_stepsize.h"
#include "coordinator/stepsize/mishchenko_stepsize.h"
#include "coordinator/stepsize/rescaled_stepsize.h"
#include "coordinator/stepsize/shadowheart_stepsize.h"

namespace fedgate {
namespace {

struct AcceptanceEntry {
  PolicyInfo info;
  Result<std::unique_ptr<AcceptancePolicy>> (*make)(const PolicyParams&, const GlobalModel&);
};

struct StepsizeEntry {
  PolicyInfo info;
  Result<std::unique_ptr<StepsizePolicy>> (*make)(const PolicyParams&);
};

struct StalenessEntry {
  PolicyInfo info;
  Result<std::unique_ptr<StalenessPolicy>> (*make)(const PolicyParams&, const GlobalModel&);
};

struct AggregationEntry {
  PolicyInfo info;
  Result<std::unique_ptr<AggregationPolicy>> (*make)(const PolicyParams&, const GlobalModel&,
                                                     uint64_t);
};

const AcceptanceEntry kAcceptance[] = {
    {{"accept-all", "every offer is accepted (vanilla ASGD)", "(none)"}, make_accept_all},
    {{"norm-ratio-exact",
      "accept iff ||g|| >= lambda * ||x_t - x_v||, ring buffer of model snapshots",
      "lambda = 10, window = 64"},
     make_norm_ratio_exact},
    {{"norm-ratio-simplified",
      "accept iff ||g|| >= lambda * (P_t - P_v), prefix sums of step lengths, O(1)",
      "lambda = 10, window = 64"},
     make_norm_ratio_simplified},
    {{"drop-if-stale", "accept iff tau = t - v <= tau_C (Koloskova's eta_t = 0 branch)",
      "max_staleness = 0 (tau_C = active clients)"},
     make_drop_if_stale},
};

const StepsizeEntry kStepsize[] = {
    {{"constant", "gamma for every update", "gamma = 0.05"}, make_constant_stepsize},
    {{"koloskova", "eta if tau <= tau_C, else eta / tau (Koloskova et al.)",
      "eta = 0.05, max_staleness = 0 (tau_C = busy clients)"},
     make_koloskova_stepsize},
    {{"mishchenko", "gamma * M / max(M, tau) (Mishchenko et al.)",
      "gamma = 0.05, workers = 0 (M = busy clients, at least 1)"},
     make_mishchenko_stepsize},
    {{"aet-diminishing", "max(eta0 / (1 + b * sqrt(t)), min_gamma), t = model version (AET-SGD)",
      "eta0 = 0.01, b = 0.01, min_gamma = 1e-7"},
     make_aet_diminishing_stepsize},
    {{"rescaled", "gamma * tau_i / tau_ref, tau_i online compute time, tau_ref harmonic mean "
                  "(Rescaled ASGD)",
      "gamma = 0.05, beta = 0.9 (EMA), max_ratio = 100"},
     make_rescaled_stepsize},
    {{"shadowheart", "gamma * w_i / Z per message of a round (Shadowheart SGD; needs round-buffer)",
      "gamma = 0.05 (s, omega, m come from [aggregation.round-buffer])"},
     make_shadowheart_stepsize},
};

const StalenessEntry kStaleness[] = {
    {{"identity", "stale gradients are applied as they are", "(none)"}, make_identity_staleness},
    {{"pc-asgd",
      "predict g + lambda g.g.(x_t - x_v), clip the rest, theta by an alignment test (PC-ASGD)",
      "lambda = 0.1, theta = 1, adaptive = 1, max_staleness = 0 (window - 1), window = 64, "
      "beta = 0.9"},
     make_pc_asgd_staleness},
};

const AggregationEntry kAggregation[] = {
    {{"apply-on-arrival", "apply each update at once, model back to the sender (ASGD)", "(none)"},
     make_apply_on_arrival},
    {{"random-dispatch",
      "apply at once, next model to a uniformly random client, queued while it is busy "
      "(Koloskova Alg. 2)",
      "seed = 0 (the model seed)"},
     make_random_dispatch},
    {{"stale-sum", "rounds; x -= sum of every worker's latest update, reused on Skip (SASG)",
      "(none)"},
     make_stale_sum},
    {{"round-buffer",
      "rounds of weighted messages, commit after m per client or the equilibrium time "
      "(Shadowheart)",
      "messages = 1, s = 1, omega = 0, equilibrium = 1, send_s = 0"},
     make_round_buffer},
    {{"sync-minibatch", "rounds; average one gradient per client, then broadcast (baseline)",
      "(none)"},
     make_sync_minibatch},
    {{"add-update", "x += U for local updates, clients at most d_round rounds apart (AET-SGD)",
      "max_round_skew = 5"},
     make_add_update},
};

template <typename Entries>
std::string known_names(const Entries& entries) {
  std::string names;
  for (const auto& entry : entries) names += (names.empty() ? "" : ", ") + std::string(entry.info.name);
  return names;
}

// Names the known policies when they fit in a Status message, else points to
// the list.
template <typename Entries>
Status unknown_policy(const char* family, const std::string& name, const Entries& entries) {
  const std::string known = known_names(entries);
  const size_t length = std::strlen("unknown  policy '' (known: )") + std::strlen(family) +
                        name.size() + known.size();
  if (length < Status::kMessageCapacity) {
    return Status::error(StatusCode::kNotFound, "unknown %s policy '%s' (known: %s)", family,
                         name.c_str(), known.c_str());
  }
  return Status::error(StatusCode::kNotFound,
                       "unknown %s policy '%s' (fedgate-coordinator --list-policies)", family,
                       name.c_str());
}

}  // namespace

std::vector<PolicyInfo> acceptance_policy_infos() {
  std::vector<PolicyInfo> infos;
  for (const auto& entry : kAcceptance) infos.push_back(entry.info);
  return infos;
}

std::vector<PolicyInfo> stepsize_policy_infos() {
  std::vector<PolicyInfo> infos;
  for (const auto& entry : kStepsize) infos.push_back(entry.info);
  return infos;
}

std::vector<PolicyInfo> staleness_policy_infos() {
  std::vector<PolicyInfo> infos;
  for (const auto& entry : kStaleness) infos.push_back(entry.info);
  return infos;
}

std::vector<PolicyInfo> aggregation_policy_infos() {
  std::vector<PolicyInfo> infos;
  for (const auto& entry : kAggregation) infos.push_back(entry.info);
  return infos;
}

Result<std::unique_ptr<AcceptancePolicy>> make_acceptance_policy(const std::string& name,
                                                                 const PolicyParams& params,
                                                                 const GlobalModel& model) {
  for (const auto& entry : kAcceptance) {
    if (name != entry.info.name) continue;
    FG_ASSIGN_OR_RETURN(auto policy, entry.make(params, model));
    FG_TRY(params.check_all_used());
    return policy;
  }
  return unknown_policy("acceptance", name, kAcceptance);
}

Result<std::unique_ptr<StepsizePolicy>> make_stepsize_policy(const std::string& name,
                                                             const PolicyParams& params) {
  for (const auto& entry : kStepsize) {
    if (name != entry.info.name) continue;
    FG_ASSIGN_OR_RETURN(auto policy, entry.make(params));
    FG_TRY(params.check_all_used());
    return policy;
  }
  return unknown_policy("stepsize", name, kStepsize);
}

Result<std::unique_ptr<StalenessPolicy>> make_staleness_policy(const std::string& name,
                                                               const PolicyParams& params,
                                                               const GlobalModel& model) {
  for (const auto& entry : kStaleness) {
    if (name != entry.info.name) continue;
    FG_ASSIGN_OR_RETURN(auto policy, entry.make(params, model));
    FG_TRY(params.check_all_used());
    return policy;
  }
  return unknown_policy("staleness", name, kStaleness);
}

Result<std::unique_ptr<AggregationPolicy>> make_aggregation_policy(const std::string& name,
                                                                   const PolicyParams& params,
                                                                   const GlobalModel& model,
                                                                   uint64_t seed) {
  for (const auto& entry : kAggregation) {
    if (name != entry.info.name) continue;
    FG_ASSIGN_OR_RETURN(auto policy, entry.make(params, model, seed));
    FG_TRY(params.check_all_used());
    return policy;
  }
  return unknown_policy("aggregation", name, kAggregation);
}

}  // namespace fedgate
