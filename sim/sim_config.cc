#include "sim/sim_config.h"

#include <cmath>
#include <set>

#include "coordinator/config_table.h"
#include "core/data/idx_reader.h"

namespace fedgate {
namespace sim {
namespace {

template <typename... Args>
Status invalid(const char* format, Args... args) {
  return Status::error(StatusCode::kInvalidArgument, format, args...);
}

class SimReader {
 public:
  explicit SimReader(const toml::table* sim) : sim_(sim) {}

  Status check_keys() const {
    static const std::map<std::string, std::set<std::string>> known = {
        {"",
         {"clients", "seed", "dataset", "train_images", "train_labels", "partition",
          "dirichlet_alpha", "shards_per_client", "order_by_label", "max_virtual_seconds",
          "progress_seconds", "threads", "compute", "link", "quadratic"}},
        {"compute",
         {"model", "base_ms", "straggler_factor", "slow_fraction", "slow_ratio", "jitter"}},
        {"link", {"latency_ms", "up_mbit_s", "down_mbit_s"}},
        {"quadratic", {"rows", "features", "noise"}},
    };
    if (sim_ == nullptr) return Status::ok();
    for (const auto& [section, keys] : known) {
      const toml::table* table = section.empty() ? sim_ : sim_->at_path(section).as_table();
      if (!section.empty() && sim_->get(section) != nullptr && table == nullptr) {
        return invalid("sim.%s must be a section", section.c_str());
      }
      if (table == nullptr) continue;
      for (const auto& [key, value] : *table) {
        const std::string name(key.str());
        if (keys.count(name) != 0) continue;
        const std::string where = section.empty() ? name : section + "." + name;
        return invalid("unknown config key sim.%s", where.c_str());
      }
    }
    return Status::ok();
  }

  template <typename T>
  Status number(const char* key, T* out, double min, double max, const char* range) const {
    const toml::node* node = find(key);
    if (node == nullptr) return Status::ok();
    std::optional<double> value = node->value<double>();
    if (!value || !std::isfinite(*value) || *value < min || *value > max) {
      return Status::error(StatusCode::kInvalidArgument, "sim.%s must be a number in %s", key,
                           range);
    }
    if (std::is_integral<T>::value && *value != std::floor(*value)) {
      return Status::error(StatusCode::kInvalidArgument, "sim.%s must be a whole number in %s", key,
                           range);
    }
    *out = static_cast<T>(*value);
    return Status::ok();
  }

  Status string(const char* key, std::string* out) const {
    const toml::node* node = find(key);
    if (node == nullptr) return Status::ok();
    std::optional<std::string> value = node->value<std::string>();
    if (!value) return Status::error(StatusCode::kInvalidArgument, "sim.%s must be a string", key);
    *out = *value;
    return Status::ok();
  }

 private:
  const toml::node* find(const char* key) const {
    return sim_ == nullptr ? nullptr : sim_->at_path(key).node();
  }
  const toml::table* sim_;
};

Status read_sim(const toml::table* table, SimSettings* s) {
  SimReader r(table);
  FG_TRY(r.check_keys());
  FG_TRY(r.number("clients", &s->clients, 1, 1e6, "[1, 1000000]"));
  FG_TRY(r.number("seed", &s->seed, 0, 9.0e15, "[0, 9e15]"));
  std::string dataset = "fashion-mnist";
  FG_TRY(r.string("dataset", &dataset));
  if (dataset == "fashion-mnist") {
    s->dataset = DatasetKind::kFashionMnist;
  } else if (dataset == "idx") {
    s->dataset = DatasetKind::kIdx;
  } else if (dataset == "quadratic") {
    s->dataset = DatasetKind::kQuadratic;
  } else {
    return invalid("sim.dataset = '%s': allowed are fashion-mnist, idx, quadratic",
                   dataset.c_str());
  }
  FG_TRY(r.string("train_images", &s->train_images));
  FG_TRY(r.string("train_labels", &s->train_labels));
  if (s->dataset == DatasetKind::kIdx && (s->train_images.empty() || s->train_labels.empty())) {
    return invalid("sim.dataset = \"idx\" needs sim.train_images and sim.train_labels");
  }
  std::string partition = "iid";
  FG_TRY(r.string("partition", &partition));
  if (partition == "full") {
    s->full_data = true;
  } else {
    Result<PartitionScheme> scheme = parse_partition_scheme(partition);
    if (!scheme.is_ok()) {
      return invalid("sim.partition = '%s': allowed are iid, shards, dirichlet, full",
                     partition.c_str());
    }
    s->partition.scheme = *scheme;
  }
  FG_TRY(r.number("dirichlet_alpha", &s->partition.dirichlet_alpha, 1e-6, 1e6, "[1e-6, 1e6]"));
  FG_TRY(r.number("shards_per_client", &s->partition.shards_per_client, 1, 1e6, "[1, 1000000]"));
  uint32_t order_by_label = 0;
  FG_TRY(r.number("order_by_label", &order_by_label, 0, 1, "[0, 1]"));
  s->order_by_label = order_by_label != 0;
  if (s->order_by_label && (s->full_data || s->dataset == DatasetKind::kQuadratic)) {
    return invalid(
        "sim.order_by_label = 1 needs labelled parts (not partition = \"full\" or "
        "the quadratic)");
  }
  FG_TRY(r.number("max_virtual_seconds", &s->max_virtual_seconds, 0, 1e9, "[0, 1e9] (0 = off)"));
  FG_TRY(r.number("progress_seconds", &s->progress_seconds, 0, 1e6, "[0, 1e6] (0 = none)"));
  FG_TRY(r.number("threads", &s->threads, 0, 64, "[0, 64] (0 = one per core)"));

  std::string model = "fixed";
  FG_TRY(r.string("compute.model", &model));
  if (model == "fixed") {
    s->compute.kind = ComputeKind::kFixed;
  } else if (model == "sqrt") {
    s->compute.kind = ComputeKind::kSqrt;
  } else if (model == "exponential") {
    s->compute.kind = ComputeKind::kExponential;
  } else if (model == "straggler") {
    s->compute.kind = ComputeKind::kStraggler;
  } else if (model == "mix") {
    s->compute.kind = ComputeKind::kMix;
  } else {
    return invalid(
        "sim.compute.model = '%s': allowed are fixed, sqrt, exponential, straggler, "
        "mix",
        model.c_str());
  }
  FG_TRY(r.number("compute.base_ms", &s->compute.base_ms, 1e-3, 1e7, "[0.001, 1e7] ms"));
  FG_TRY(r.number("compute.straggler_factor", &s->compute.straggler_factor, 1, 1e6, "[1, 1e6]"));
  FG_TRY(r.number("compute.slow_fraction", &s->compute.slow_fraction, 0, 1, "[0, 1]"));
  FG_TRY(r.number("compute.slow_ratio", &s->compute.slow_ratio, 1, 1e6, "[1, 1e6]"));
  FG_TRY(r.number("compute.jitter", &s->compute.jitter, 0, 0.99, "[0, 0.99]"));
  FG_TRY(r.number("link.latency_ms", &s->link.latency_ms, 0, 1e7, "[0, 1e7] ms"));
  FG_TRY(r.number("link.up_mbit_s", &s->link.up_mbit_s, 0, 1e6, "[0, 1e6] (0 = unlimited)"));
  FG_TRY(r.number("link.down_mbit_s", &s->link.down_mbit_s, 0, 1e6, "[0, 1e6] (0 = unlimited)"));
  FG_TRY(r.number("quadratic.rows", &s->quadratic.rows, 1, 1e7, "[1, 10000000]"));
  FG_TRY(r.number("quadratic.features", &s->quadratic.features, 1, 1e5, "[1, 100000]"));
  FG_TRY(r.number("quadratic.noise", &s->quadratic.noise, 0, 1e6, "[0, 1e6]"));
  s->partition.num_clients = s->clients;
  s->partition.seed = s->seed;
  return Status::ok();
}

}  // namespace

const char* compute_kind_name(ComputeKind kind) {
  switch (kind) {
    case ComputeKind::kFixed: return "fixed";
    case ComputeKind::kSqrt: return "sqrt";
    case ComputeKind::kExponential: return "exponential";
    case ComputeKind::kStraggler: return "straggler";
    case ComputeKind::kMix: return "mix";
  }
  return "unknown";
}

Result<SimConfig> load_sim_config(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  FG_ASSIGN_OR_RETURN(toml::table root, read_config_table(path, overrides));

  SimConfig config;
  const toml::node* sim = root.get("sim");
  if (sim != nullptr && !sim->is_table()) return invalid("'sim' must be a section");
  FG_TRY(read_sim(sim == nullptr ? nullptr : sim->as_table(), &config.sim));
  if (config.sim.dataset == DatasetKind::kFashionMnist) {
    const IdxPaths train = fashion_mnist_paths(kFashionMnistDir, /*train=*/true);
    config.sim.train_images = train.images;
    config.sim.train_labels = train.labels;
  }
  root.erase("sim");

  FG_ASSIGN_OR_RETURN(config.coordinator, coordinator_config_from_table(root));
  // Virtual clients never die and have no silence timeout (an expired one
  // would wait forever), and fleets reach 1,000,000: the ghost limits
  // (docs/security.md, "Limits") are off unless the config sets them. No
  // virtual client is hostile, and a paper's rule is reproduced as it stands:
  // the relative norm bound is off too.
  LimitSettings& limits = config.coordinator.settings.limits;
  if (!root.at_path("limits.client_timeout_heartbeats")) limits.client_timeout_heartbeats = 0;
  if (!root.at_path("limits.max_clients")) limits.max_clients = 0;
  if (!root.at_path("limits.max_norm_ratio")) limits.max_norm_ratio = 0;
  return config;
}

}  // namespace sim
}  // namespace fedgate
