#include "coordinator/client_policy_settings.h"

namespace fedgate {

std::vector<NamedParam> client_policy_params(const ClientPolicySettings& settings,
                                             std::vector<std::string>* names) {
  names->clear();
  for (const auto& [key, value] : settings.trigger_params) names->push_back("trigger." + key);
  for (const auto& [key, value] : settings.compression_params) {
    names->push_back("compression." + key);
  }
  std::vector<NamedParam> params;
  size_t i = 0;
  for (const auto& [key, value] : settings.trigger_params) {
    params.push_back({(*names)[i++].c_str(), value});
  }
  for (const auto& [key, value] : settings.compression_params) {
    params.push_back({(*names)[i++].c_str(), value});
  }
  return params;
}

Result<ClientPolicyNeeds> check_client_policy_settings(const ClientPolicySettings& settings,
                                                       const ModelSpec& model, size_t dim,
                                                       uint32_t batch_size) {
  std::vector<std::string> names;
  const std::vector<NamedParam> params = client_policy_params(settings, &names);
  TrainingSetup setup;
  setup.model_kind = static_cast<wire::ModelKind>(model.kind);
  setup.model_dim = static_cast<uint32_t>(dim);
  setup.num_features = model.num_features;
  setup.num_classes = model.num_classes;
  setup.hidden_units = model.hidden_units;
  setup.batch_size = batch_size;
  ClientPolicySpec spec;
  spec.trigger = settings.trigger.c_str();
  spec.compression = settings.compression.c_str();
  spec.params = Span<const NamedParam>(params.data(), params.size());
  return check_client_policies(spec, setup);
}

Status check_client_policies_for_aggregation(const ClientPolicySettings& settings,
                                             const std::string& aggregation) {
  const std::string& trigger = settings.trigger;
  const bool local_updates = trigger == "aet-schedule" || trigger == "detsgrad";
  if (local_updates && aggregation != "add-update") {
    return Status::error(StatusCode::kInvalidArgument,
                         "trigger %s sends LocalUpdates: needs aggregation add-update, not %s",
                         trigger.c_str(), aggregation.c_str());
  }
  const auto sends = settings.trigger_params.find("sends");
  if (trigger == "fixed-budget" && sends != settings.trigger_params.end() && sends->second > 1 &&
      aggregation != "round-buffer") {
    return Status::error(StatusCode::kInvalidArgument,
                         "[trigger.fixed-budget] sends = %g needs aggregation round-buffer, not %s",
                         sends->second, aggregation.c_str());
  }
  return Status::ok();
}

}  // namespace fedgate
