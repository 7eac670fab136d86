#include "coordinator/coordinator_config.h"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "coordinator/acceptance/starvation_guard.h"
#include "coordinator/config_table.h"
#include "coordinator/logging.h"
#include "coordinator/model_downlink.h"
#include "coordinator/policy_catalog.h"
#include "coordinator/policy_combinations.h"
#include "coordinator/policy_registry.h"
#include "core/data/idx_reader.h"
#include "core/models/model_factory.h"

namespace fedgate {
namespace {

using Keys = std::set<std::string>;

const std::map<std::string, Keys>& known_keys() {
  static const std::map<std::string, Keys> keys = {
      {"server",
       {"http", "http_per_client", "bind", "heartbeat_ms", "max_message_bytes",
        "curve_secret_key_file", "curve_authorized_keys"}},
      {"model", {"kind", "hidden_units", "seed", "num_features", "num_classes", "init", "bias"}},
      {"data", {"test_images", "test_labels", "test_csv", "csv_label_column"}},
      {"training", {"batch_size", "chunk_floats", "norm_tolerance"}},
      {"acceptance", {"policy", "starvation_limit"}},
      {"stepsize", {"policy"}},
      {"trigger", {"policy"}},
      {"compression", {"policy"}},
      {"staleness", {"policy"}},
      {"aggregation", {"policy"}},
      {"downlink", {"codec"}},
      {"run",
       {"eval_every", "target_accuracy", "max_versions", "max_seconds", "min_clients", "metrics",
        "dir", "checkpoint_every_versions", "checkpoint_every_seconds", "checkpoints_kept",
        "log_level", "metrics_clients"}},
      {"limits",
       {"max_update_norm", "max_norm_ratio", "norm_action", "max_staleness", "max_clients",
        "max_name_bytes", "client_timeout_heartbeats", "max_model_chunks", "model_resends",
        "send_hwm", "max_pending_bytes"}},
  };
  return keys;
}

// Sections whose sub-tables hold per-policy settings.
bool is_policy_section(const std::string& section) {
  return section == "acceptance" || section == "stepsize" || section == "staleness" ||
         section == "aggregation" || section == "trigger" || section == "compression";
}

// A policy section's sub-table must name one of its policies: a typo such as
// [stepsize.constnt] would otherwise leave the default settings in force.
Status check_policy_table(const std::string& section, const std::string& name) {
  if (find_policy(section, name).is_ok()) return Status::ok();
  const Status error =
      unknown_policy_error("[" + section + "." + name + "]: no such policy", section);
  return Status::error(StatusCode::kInvalidArgument, "%s", error.message());
}

Status check_keys(const toml::table& root) {
  for (const auto& [section_key, node] : root) {
    const std::string section(section_key.str());
    auto known = known_keys().find(section);
    if (known == known_keys().end()) {
      return Status::error(StatusCode::kInvalidArgument, "unknown config section [%s]",
                           section.c_str());
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Status::error(StatusCode::kInvalidArgument, "'%s' must be a section", section.c_str());
    }
    for (const auto& [key, value] : *table) {
      const std::string name(key.str());
      if (known->second.count(name) != 0) continue;
      if (is_policy_section(section) && value.is_table()) {
        FG_TRY(check_policy_table(section, name));
        continue;
      }
      return Status::error(StatusCode::kInvalidArgument, "unknown config key %s.%s",
                           section.c_str(), name.c_str());
    }
  }
  return Status::ok();
}

template <typename T>
Status read_number(const toml::table& root, const char* section, const char* key, T* out,
                   double min, double max) {
  const toml::node* node = root.at_path(std::string(section) + "." + key).node();
  if (node == nullptr) return Status::ok();
  std::optional<double> value = node->value<double>();
  if (!value || *value < min || *value > max) {
    return Status::error(StatusCode::kInvalidArgument, "%s.%s must be a number in [%g, %g]",
                         section, key, min, max);
  }
  if (std::is_integral<T>::value && *value != static_cast<double>(static_cast<int64_t>(*value))) {
    return Status::error(StatusCode::kInvalidArgument, "%s.%s must be a whole number", section,
                         key);
  }
  *out = static_cast<T>(*value);
  return Status::ok();
}

Status read_string(const toml::table& root, const char* section, const char* key,
                   std::string* out) {
  const toml::node* node = root.at_path(std::string(section) + "." + key).node();
  if (node == nullptr) return Status::ok();
  std::optional<std::string> value = node->value<std::string>();
  if (!value) {
    return Status::error(StatusCode::kInvalidArgument, "%s.%s must be a string", section, key);
  }
  *out = *value;
  return Status::ok();
}

Result<PolicyParams> read_policy_params(const toml::table& root, const std::string& section,
                                        const std::string& policy) {
  std::map<std::string, double> values;
  const std::string path = section + "." + policy;
  const toml::table* table = root.at_path(section).as_table();
  const toml::node* node = table != nullptr ? table->get(policy) : nullptr;
  if (node != nullptr) {
    const toml::table* params = node->as_table();
    if (params == nullptr) {
      return Status::error(StatusCode::kInvalidArgument, "[%s] must be a section", path.c_str());
    }
    for (const auto& [key, value] : *params) {
      std::optional<double> number = value.value<double>();
      if (!number) {
        return Status::error(StatusCode::kInvalidArgument, "%s.%s must be a number", path.c_str(),
                             std::string(key.str()).c_str());
      }
      values[std::string(key.str())] = *number;
    }
  }
  return PolicyParams(path, std::move(values));
}

// Inserts `value_text` at the dotted `path`, creating tables on the way.
Status apply_override(toml::table& root, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::error(StatusCode::kInvalidArgument, "override '%s' is not section.key=value",
                         assignment.c_str());
  }
  const std::string path = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  std::vector<std::string> parts;
  std::stringstream stream(path);
  for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
  if (parts.size() < 2) {
    return Status::error(StatusCode::kInvalidArgument, "override '%s' needs section.key",
                         path.c_str());
  }
  toml::table* table = &root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* child = table->get(parts[i]);
    if (child == nullptr) {
      table->insert(parts[i], toml::table{});
      child = table->get(parts[i]);
    }
    table = child->as_table();
    if (table == nullptr) {
      return Status::error(StatusCode::kInvalidArgument, "override '%s': '%s' is not a section",
                           path.c_str(), parts[i].c_str());
    }
  }
  toml::parse_result parsed = toml::parse("v = " + value_text);
  if (parsed && parsed.table().get("v") != nullptr) {
    table->insert_or_assign(parts.back(), *parsed.table().get("v"));
  } else {
    table->insert_or_assign(parts.back(), value_text);
  }
  return Status::ok();
}

// [limits]: docs/security.md, "Limits".
Status read_limits(const toml::table& root, LimitSettings* l) {
  FG_TRY(read_number(root, "limits", "max_update_norm", &l->max_update_norm, 0, 1e30));
  FG_TRY(read_number(root, "limits", "max_norm_ratio", &l->max_norm_ratio, 0, 1e9));
  std::string action = l->clip ? "clip" : "reject";
  FG_TRY(read_string(root, "limits", "norm_action", &action));
  if (action != "clip" && action != "reject") {
    return Status::error(StatusCode::kInvalidArgument,
                         "limits.norm_action = '%s': allowed values are clip, reject",
                         action.c_str());
  }
  l->clip = action == "clip";
  FG_TRY(read_number(root, "limits", "max_staleness", &l->max_staleness, 0, 4.0e9));
  FG_TRY(read_number(root, "limits", "max_clients", &l->max_clients, 0, 4.0e9));
  FG_TRY(read_number(root, "limits", "max_name_bytes", &l->max_name_bytes, 1, 1 << 16));
  FG_TRY(read_number(root, "limits", "client_timeout_heartbeats", &l->client_timeout_heartbeats, 0,
                     1e6));
  FG_TRY(read_number(root, "limits", "max_model_chunks", &l->max_model_chunks, 1, 1 << 24));
  FG_TRY(read_number(root, "limits", "model_resends", &l->model_resends, 0, 1e6));
  FG_TRY(read_number(root, "limits", "send_hwm", &l->send_hwm, 0, 1 << 20));
  FG_TRY(read_number(root, "limits", "max_pending_bytes", &l->max_pending_bytes, 0, 1e15));
  return Status::ok();
}

// Each half of the IDX pair defaults to Fashion-MNIST's test file: one half set
// alone would pair with the other's default (MNIST's files have the same names).
Status check_test_pair(const toml::table& root) {
  const bool images = root.at_path("data.test_images").node() != nullptr;
  const bool labels = root.at_path("data.test_labels").node() != nullptr;
  if (images == labels) return Status::ok();
  return Status::error(StatusCode::kInvalidArgument,
                       "data.%s is set but data.%s is not: set both files of the IDX pair",
                       images ? "test_images" : "test_labels",
                       images ? "test_labels" : "test_images");
}

Status read_config(const toml::table& root, CoordinatorConfig* config) {
  FG_TRY(check_keys(root));
  CoordinatorSettings& s = config->settings;
  FG_TRY(read_string(root, "server", "bind", &config->bind));
  FG_TRY(read_number(root, "server", "heartbeat_ms", &s.heartbeat_ms, 10, 3.6e6));
  FG_TRY(read_number(root, "server", "max_message_bytes", &s.max_message_bytes, 0, 1 << 30));
  FG_TRY(read_string(root, "server", "curve_secret_key_file", &config->curve_secret_key_file));
  FG_TRY(read_string(root, "server", "curve_authorized_keys", &config->curve_authorized_keys));
  FG_TRY(read_string(root, "server", "http", &config->http));
  if (const toml::node* per_client = root.at_path("server.http_per_client").node()) {
    if (!per_client->is_boolean()) {
      return Status::error(StatusCode::kInvalidArgument,
                           "server.http_per_client must be true or false");
    }
    config->http_per_client = per_client->value_or(false);
  }
  FG_TRY(read_string(root, "model", "kind", &config->model_kind));
  FG_TRY(read_number(root, "model", "hidden_units", &s.model.hidden_units, 0, 1 << 20));
  FG_TRY(read_number(root, "model", "seed", &config->seed, 0, 9.0e15));
  FG_TRY(read_number(root, "model", "num_features", &s.model.num_features, 0, 1 << 28));
  FG_TRY(read_number(root, "model", "num_classes", &s.model.num_classes, 0, 1 << 20));
  FG_TRY(read_string(root, "model", "init", &config->model_init));
  if (const toml::node* bias = root.at_path("model.bias").node()) {
    if (!bias->is_boolean()) {
      return Status::error(StatusCode::kInvalidArgument, "model.bias must be true or false");
    }
    s.model.bias = bias->value_or(true);
  }
  FG_TRY(read_string(root, "data", "test_images", &config->test_images));
  FG_TRY(read_string(root, "data", "test_labels", &config->test_labels));
  FG_TRY(check_test_pair(root));
  FG_TRY(read_string(root, "data", "test_csv", &config->test_csv));
  FG_TRY(read_number(root, "data", "csv_label_column", &config->csv_label_column, -1e6, 1e6));
  FG_TRY(read_number(root, "training", "batch_size", &s.batch_size, 1, 65535));
  FG_TRY(read_number(root, "training", "chunk_floats", &s.chunk_floats, 1, 1 << 24));
  FG_TRY(read_number(root, "training", "norm_tolerance", &s.norm_tolerance, 0, 1));
  FG_TRY(read_string(root, "acceptance", "policy", &config->acceptance));
  config->starvation_limit = default_starvation_limit(config->acceptance);
  FG_TRY(read_number(root, "acceptance", kStarvationLimit.key, &config->starvation_limit,
                     kStarvationLimit.min, kStarvationLimit.max));
  FG_TRY(read_string(root, "stepsize", "policy", &config->stepsize));
  ClientPolicySettings& client = s.client_policies;
  FG_TRY(read_string(root, "trigger", "policy", &client.trigger));
  FG_TRY(read_string(root, "compression", "policy", &client.compression));
  FG_TRY(read_string(root, "staleness", "policy", &config->staleness));
  FG_TRY(read_string(root, "aggregation", "policy", &config->aggregation));
  std::string downlink_codec = downlink_codec_name(s.downlink);
  FG_TRY(read_string(root, "downlink", "codec", &downlink_codec));
  FG_ASSIGN_OR_RETURN(s.downlink, parse_downlink_codec(downlink_codec));
  FG_TRY(read_number(root, "run", "eval_every", &s.eval_every, 0, 1e9));
  FG_TRY(read_number(root, "run", "target_accuracy", &s.target_accuracy, 0, 1));
  FG_TRY(read_number(root, "run", "max_versions", &s.max_versions, 0, 4.0e9));
  FG_TRY(read_number(root, "run", "max_seconds", &s.max_seconds, 0, 1e9));
  FG_TRY(read_number(root, "run", "min_clients", &s.min_clients, 0, 1e6));
  FG_TRY(read_string(root, "run", "metrics", &config->metrics_path));
  FG_TRY(read_string(root, "run", "dir", &config->run_dir));
  FG_TRY(read_number(root, "run", "checkpoint_every_versions", &config->checkpoint_every_versions,
                     0, 4.0e9));
  FG_TRY(read_number(root, "run", "checkpoint_every_seconds", &config->checkpoint_every_seconds, 0,
                     1e9));
  FG_TRY(read_number(root, "run", "checkpoints_kept", &config->checkpoints_kept, 1, 1000));
  FG_TRY(read_limits(root, &s.limits));
  FG_TRY(read_string(root, "run", "log_level", &config->log_level));
  if (!check_log_level(config->log_level).is_ok()) {
    return Status::error(StatusCode::kInvalidArgument, "run.log_level = '%s': allowed are %s",
                         config->log_level.c_str(), kLogLevelNames);
  }
  if (const toml::node* clients = root.at_path("run.metrics_clients").node()) {
    if (!clients->is_boolean()) {
      return Status::error(StatusCode::kInvalidArgument,
                           "run.metrics_clients must be true or false");
    }
    config->metrics_clients = clients->value_or(false);
  }
  FG_ASSIGN_OR_RETURN(ModelKind kind, parse_model_kind(config->model_kind));
  s.model.kind = kind;
  FG_ASSIGN_OR_RETURN(config->acceptance_params,
                      read_policy_params(root, "acceptance", config->acceptance));
  FG_ASSIGN_OR_RETURN(config->stepsize_params,
                      read_policy_params(root, "stepsize", config->stepsize));
  // Client policies are validated against the model once its size is known
  // (check_client_policy_settings, at start-up).
  FG_ASSIGN_OR_RETURN(PolicyParams trigger_params,
                      read_policy_params(root, "trigger", client.trigger));
  client.trigger_params = trigger_params.values();
  FG_ASSIGN_OR_RETURN(PolicyParams compression_params,
                      read_policy_params(root, "compression", client.compression));
  client.compression_params = compression_params.values();
  FG_ASSIGN_OR_RETURN(config->staleness_params,
                      read_policy_params(root, "staleness", config->staleness));
  FG_ASSIGN_OR_RETURN(config->aggregation_params,
                      read_policy_params(root, "aggregation", config->aggregation));
  PolicyChoice choice;
  choice.acceptance = config->acceptance;
  choice.stepsize = config->stepsize;
  choice.staleness = config->staleness;
  choice.aggregation = config->aggregation;
  choice.trigger = client.trigger;
  FG_TRY(check_policy_combination(choice));
  // Build each policy once around a one-parameter model, so unknown names and
  // out-of-range settings are reported now, before any data is loaded.
  const GlobalModel probe(std::vector<float>(1, 0.0f));
  FG_TRY(make_acceptance_policy(config->acceptance, config->acceptance_params, probe).status());
  FG_TRY(make_staleness_policy(config->staleness, config->staleness_params, probe).status());
  FG_TRY(
      make_aggregation_policy(config->aggregation, config->aggregation_params, probe, config->seed)
          .status());
  FG_TRY(make_stepsize_policy(config->stepsize, config->stepsize_params, config->aggregation_params)
             .status());
  return Status::ok();
}

}  // namespace

Result<toml::table> read_config_table(const std::string& path,
                                      const std::vector<std::string>& overrides) {
  toml::table root;
  if (!path.empty()) {
    toml::parse_result parsed = toml::parse_file(path);
    if (!parsed) {
      const auto& error = parsed.error();
      return Status::error(StatusCode::kInvalidArgument, "%s:%u:%u: %s", path.c_str(),
                           error.source().begin.line, error.source().begin.column,
                           std::string(error.description()).c_str());
    }
    root = std::move(parsed).table();
  }
  for (const std::string& assignment : overrides) FG_TRY(apply_override(root, assignment));
  return root;
}

Result<CoordinatorConfig> coordinator_config_from_table(const toml::table& root) {
  CoordinatorConfig config;
  const IdxPaths test = fashion_mnist_paths(kFashionMnistDir, /*train=*/false);
  config.test_images = test.images;
  config.test_labels = test.labels;
  FG_TRY(read_config(root, &config));
  return config;
}

Result<CoordinatorConfig> load_coordinator_config(const std::string& path,
                                                  const std::vector<std::string>& overrides) {
  FG_ASSIGN_OR_RETURN(const toml::table root, read_config_table(path, overrides));
  return coordinator_config_from_table(root);
}

namespace {

// A number as TOML reads it back exactly.
std::string toml_number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.15g", value);
  if (std::strtod(text, nullptr) != value) std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

// [family.policy] with every setting of the policy's table: the values given,
// and the defaults as comments (so the text loads back to the same settings).
std::string policy_section(const char* family, const std::string& policy,
                           const std::map<std::string, double>& given) {
  std::string text = std::string("\n[") + family + "." + policy + "]\n";
  Result<const PolicyInfo*> info = find_policy(family, policy);
  if (!info.is_ok()) return text;
  for (const ParamSpec& spec : (*info)->table) {
    auto it = given.find(spec.key);
    if (it != given.end()) {
      text += std::string(spec.key) + " = " + toml_number(it->second) + "\n";
    } else {
      text += "# " + std::string(spec.key) + " = " + toml_number(spec.fallback) + "  (default; " +
              spec.doc + ")\n";
    }
  }
  return text;
}

}  // namespace

std::string render_coordinator_config(const CoordinatorConfig& c) {
  const CoordinatorSettings& s = c.settings;
  const ClientPolicySettings& client = s.client_policies;
  std::ostringstream out;
  out << "[server]\nhttp = \"" << c.http
      << "\"\nhttp_per_client = " << (c.http_per_client ? "true" : "false") << "\n";
  out << "bind = \"" << c.bind << "\"\nheartbeat_ms = " << s.heartbeat_ms
      << "\nmax_message_bytes = " << s.max_message_bytes << "\ncurve_secret_key_file = \""
      << c.curve_secret_key_file << "\"\ncurve_authorized_keys = \"" << c.curve_authorized_keys
      << "\""
      << "\n\n[model]\nkind = \"" << c.model_kind << "\"\nhidden_units = " << s.model.hidden_units
      << "\nseed = " << c.seed << "\nnum_features = " << s.model.num_features
      << "\nnum_classes = " << s.model.num_classes << "\ninit = \"" << c.model_init << "\""
      << "\nbias = " << (s.model.bias ? "true" : "false") << "\n\n[data]\ntest_images = \""
      << c.test_images << "\"\ntest_labels = \"" << c.test_labels << "\"\ntest_csv = \""
      << c.test_csv << "\"\ncsv_label_column = " << c.csv_label_column
      << "\n\n[training]\nbatch_size = " << s.batch_size << "\nchunk_floats = " << s.chunk_floats
      << "\nnorm_tolerance = " << s.norm_tolerance << "\n\n[acceptance]\npolicy = \""
      << c.acceptance << "\"\nstarvation_limit = " << c.starvation_limit << "\n"
      << policy_section("acceptance", c.acceptance, c.acceptance_params.values())
      << "\n[stepsize]\npolicy = \"" << c.stepsize << "\"\n"
      << policy_section("stepsize", c.stepsize, c.stepsize_params.values())
      << "\n[trigger]\npolicy = \"" << client.trigger << "\"\n"
      << policy_section("trigger", client.trigger, client.trigger_params)
      << "\n[compression]\npolicy = \"" << client.compression << "\"\n"
      << policy_section("compression", client.compression, client.compression_params)
      << "\n[staleness]\npolicy = \"" << c.staleness << "\"\n"
      << policy_section("staleness", c.staleness, c.staleness_params.values())
      << "\n[aggregation]\npolicy = \"" << c.aggregation << "\"\n"
      << policy_section("aggregation", c.aggregation, c.aggregation_params.values())
      << "\n[downlink]\ncodec = \"" << downlink_codec_name(s.downlink) << "\"\n";
  out << "\n[run]\neval_every = " << s.eval_every << "\ntarget_accuracy = " << s.target_accuracy
      << "\nmax_versions = " << s.max_versions << "\nmax_seconds = " << s.max_seconds
      << "\nmin_clients = " << s.min_clients << "\nmetrics = \"" << c.metrics_path << "\"\ndir = \""
      << c.run_dir << "\"\n";
  out << "checkpoint_every_versions = " << c.checkpoint_every_versions
      << "\ncheckpoint_every_seconds = " << c.checkpoint_every_seconds
      << "\ncheckpoints_kept = " << c.checkpoints_kept << "\n";
  out << "log_level = \"" << c.log_level
      << "\"\nmetrics_clients = " << (c.metrics_clients ? "true" : "false") << "\n";
  const LimitSettings& l = s.limits;
  out << "\n[limits]\nmax_update_norm = " << toml_number(l.max_update_norm)
      << "\nmax_norm_ratio = " << toml_number(l.max_norm_ratio) << "\nnorm_action = \""
      << (l.clip ? "clip" : "reject") << "\"\nmax_staleness = " << l.max_staleness
      << "\nmax_clients = " << l.max_clients << "\nmax_name_bytes = " << l.max_name_bytes
      << "\nclient_timeout_heartbeats = " << l.client_timeout_heartbeats
      << "\nmax_model_chunks = " << l.max_model_chunks << "\nmodel_resends = " << l.model_resends
      << "\nsend_hwm = " << l.send_hwm << "\nmax_pending_bytes = " << l.max_pending_bytes << "\n";
  return out.str();
}

std::string coordinator_config_json(const CoordinatorConfig& config) {
  toml::parse_result parsed = toml::parse(render_coordinator_config(config));
  if (!parsed) return "null";
  std::ostringstream out;
  out << toml::json_formatter{parsed.table()};
  return out.str();
}

}  // namespace fedgate
