// Partitioning. All randomness comes from Rng so a seed gives the same split on
// x86-64, aarch64 and armhf; the module is also built with -ffp-contract=off so
// the Dirichlet arithmetic is not fused differently per architecture.
#include "core/data/partition.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "core/base/rng.h"

namespace fedgate {
namespace {

using Parts = std::vector<std::vector<uint32_t>>;

// Redraws of the Dirichlet proportions before empty clients are topped up by hand.
constexpr int kMaxDirichletDraws = 100;

void shuffle(std::vector<uint32_t>* v, Rng& rng) {
  for (size_t i = v->size(); i > 1; --i) {
    std::swap((*v)[i - 1], (*v)[rng.uniform(static_cast<uint32_t>(i))]);
  }
}

Parts partition_iid(uint32_t n, uint32_t k, Rng& rng) {
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  shuffle(&order, rng);
  Parts parts(k);
  size_t start = 0;
  for (uint32_t c = 0; c < k; ++c) {
    const size_t size = n / k + (c < n % k ? 1 : 0);
    parts[c].assign(order.begin() + start, order.begin() + start + size);
    start += size;
  }
  return parts;
}

// Sample indices grouped by class, ascending within each class.
std::vector<std::vector<uint32_t>> indices_by_class(const Dataset& data) {
  std::vector<std::vector<uint32_t>> by_class(data.num_classes);
  for (uint32_t i = 0; i < data.labels.size(); ++i) by_class[data.labels[i]].push_back(i);
  return by_class;
}

Parts partition_shards(const Dataset& data, uint32_t n, uint32_t k, uint32_t per_client, Rng& rng) {
  // Concatenating the per-class lists is a stable sort by label.
  std::vector<uint32_t> sorted;
  sorted.reserve(n);
  for (const auto& members : indices_by_class(data)) {
    sorted.insert(sorted.end(), members.begin(), members.end());
  }
  const uint64_t num_shards = uint64_t{k} * per_client;
  std::vector<uint32_t> shard_ids(static_cast<size_t>(num_shards));
  for (uint32_t s = 0; s < num_shards; ++s) shard_ids[s] = s;
  shuffle(&shard_ids, rng);
  Parts parts(k);
  for (uint64_t slot = 0; slot < num_shards; ++slot) {
    const uint64_t shard = shard_ids[slot];
    // Shard boundaries floor(s * n / S): sizes differ by at most one.
    const size_t begin = static_cast<size_t>(shard * n / num_shards);
    const size_t end = static_cast<size_t>((shard + 1) * n / num_shards);
    auto& part = parts[slot / per_client];
    part.insert(part.end(), sorted.begin() + begin, sorted.begin() + end);
  }
  return parts;
}

// log of a Gamma(shape, 1) variate (Marsaglia & Tsang 2000). Logs, because
// for small shapes the variate itself underflows to 0.
double log_gamma_variate(double shape, Rng& rng) {
  if (shape < 1.0) {
    // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
    double u = rng.uniform_double();
    while (u <= 0.0) u = rng.uniform_double();
    return log_gamma_variate(shape + 1.0, rng) + std::log(u) / shape;
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x, v;
    do {
      x = rng.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform_double();
    const double x2 = x * x;
    // Cheap squeeze first; the log test only on its rare misses.
    if (u < 1.0 - 0.0331 * x2 * x2) return std::log(d) + std::log(v);
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return std::log(d) + std::log(v);
  }
}

// One draw: each class split over clients by proportions ~ Dir(alpha).
Parts dirichlet_draw(const std::vector<std::vector<uint32_t>>& by_class, uint32_t k, double alpha,
                     Rng& rng) {
  Parts parts(k);
  std::vector<double> weights(k);
  std::vector<uint32_t> members;
  for (const auto& class_members : by_class) {
    if (class_members.empty()) continue;
    members = class_members;
    shuffle(&members, rng);
    const size_t count = members.size();
    double max_log = -std::numeric_limits<double>::infinity();
    for (uint32_t c = 0; c < k; ++c) {
      weights[c] = log_gamma_variate(alpha, rng);
      max_log = std::max(max_log, weights[c]);
    }
    if (!(max_log > -std::numeric_limits<double>::infinity())) {
      // Every variate underflowed even in logs (alpha ~ 1e-300): one client takes all.
      auto& part = parts[rng.uniform(k)];
      part.insert(part.end(), members.begin(), members.end());
      continue;
    }
    double sum = 0;
    for (double& w : weights) sum += (w = std::exp(w - max_log));
    double cumulative = 0;
    size_t begin = 0;
    for (uint32_t c = 0; c < k; ++c) {
      cumulative += weights[c];
      size_t end =
          c + 1 == k ? count : static_cast<size_t>(std::floor(cumulative / sum * count + 0.5));
      end = std::min(std::max(end, begin), count);
      parts[c].insert(parts[c].end(), members.begin() + begin, members.begin() + end);
      begin = end;
    }
  }
  return parts;
}

bool any_empty(const Parts& parts) {
  return std::any_of(parts.begin(), parts.end(), [](const auto& part) { return part.empty(); });
}

Parts partition_dirichlet(const Dataset& data, uint32_t k, double alpha, Rng& rng) {
  const auto by_class = indices_by_class(data);
  Parts parts;
  // Like NIID-Bench, redraw until every client has data (conditioning the skew slightly).
  for (int draw = 0; draw < kMaxDirichletDraws; ++draw) {
    parts = dirichlet_draw(by_class, k, alpha, rng);
    if (!any_empty(parts)) return parts;
  }
  // Still some empty (e.g. almost as many clients as samples): each empty client
  // takes one sample from the currently largest, which always holds two or more.
  for (auto& part : parts) {
    if (!part.empty()) continue;
    auto largest = std::max_element(parts.begin(), parts.end(), [](const auto& a, const auto& b) {
      return a.size() < b.size();
    });
    part.push_back(largest->back());
    largest->pop_back();
  }
  return parts;
}

Status check_labels(const Dataset& data, const char* scheme, size_t n) {
  if (data.labels.empty() || data.num_classes == 0) {
    return Status::error(StatusCode::kInvalidArgument,
                         "'%s' partition needs class labels; this data is regression (use iid)",
                         scheme);
  }
  if (data.labels.size() != n) {
    return Status::error(StatusCode::kInvalidArgument, "data has %zu labels for %zu samples",
                         data.labels.size(), n);
  }
  for (size_t i = 0; i < n; ++i) {
    if (data.labels[i] < 0 || static_cast<uint32_t>(data.labels[i]) >= data.num_classes) {
      return Status::error(StatusCode::kInvalidArgument, "label %d of sample %zu not in 0..%u",
                           data.labels[i], i, data.num_classes - 1);
    }
  }
  return Status::ok();
}

}  // namespace

Result<PartitionScheme> parse_partition_scheme(std::string_view name) {
  if (name == "iid") return PartitionScheme::kIid;
  if (name == "shards") return PartitionScheme::kLabelShards;
  if (name == "dirichlet") return PartitionScheme::kDirichlet;
  return Status::error(StatusCode::kInvalidArgument,
                       "unknown partition scheme '%.40s'; allowed: iid, shards, dirichlet",
                       std::string(name).c_str());
}

const char* partition_scheme_name(PartitionScheme scheme) {
  switch (scheme) {
    case PartitionScheme::kIid: return "iid";
    case PartitionScheme::kLabelShards: return "shards";
    case PartitionScheme::kDirichlet: return "dirichlet";
  }
  return "unknown";
}

Result<std::vector<std::vector<uint32_t>>> partition(const Dataset& data,
                                                     const PartitionSpec& spec) {
  const size_t n = data.size();
  const uint32_t k = spec.num_clients;
  if (n == 0) return Status::error(StatusCode::kInvalidArgument, "data holds no samples");
  if (n > std::numeric_limits<uint32_t>::max()) {
    return Status::error(StatusCode::kInvalidArgument,
                         "%zu samples; partition indexes at most 2^32-1", n);
  }
  if (k == 0 || k > n) {
    return Status::error(StatusCode::kInvalidArgument,
                         "num_clients must be in 1..%zu (the sample count), got %u", n, k);
  }
  Rng rng(spec.seed);
  Parts parts;
  switch (spec.scheme) {
    case PartitionScheme::kIid: parts = partition_iid(static_cast<uint32_t>(n), k, rng); break;
    case PartitionScheme::kLabelShards: {
      FG_TRY(check_labels(data, "shards", n));
      const uint64_t per_client_max = n / k;
      if (spec.shards_per_client == 0 || spec.shards_per_client > per_client_max) {
        return Status::error(StatusCode::kInvalidArgument,
                             "shards_per_client must be in 1..%llu (samples / num_clients), got %u",
                             static_cast<unsigned long long>(per_client_max),
                             spec.shards_per_client);
      }
      parts = partition_shards(data, static_cast<uint32_t>(n), k, spec.shards_per_client, rng);
      break;
    }
    case PartitionScheme::kDirichlet: {
      FG_TRY(check_labels(data, "dirichlet", n));
      if (!(spec.dirichlet_alpha > 0.0) || !std::isfinite(spec.dirichlet_alpha)) {
        return Status::error(StatusCode::kInvalidArgument,
                             "dirichlet_alpha must be finite and > 0, got %g",
                             spec.dirichlet_alpha);
      }
      parts = partition_dirichlet(data, k, spec.dirichlet_alpha, rng);
      break;
    }
    default:
      return Status::error(StatusCode::kInvalidArgument, "unknown partition scheme %d",
                           static_cast<int>(spec.scheme));
  }
  for (auto& part : parts) std::sort(part.begin(), part.end());
  return parts;
}

Dataset subset(const Dataset& data, Span<const uint32_t> indices) {
  Dataset out;
  out.num_features = data.num_features;
  out.num_classes = data.num_classes;
  const size_t n = data.size();
  const bool has_labels = data.labels.size() == n && n > 0;
  const bool has_targets = data.targets.size() == n && n > 0;
  out.features.resize(indices.size() * data.num_features);
  if (has_labels) out.labels.reserve(indices.size());
  if (has_targets) out.targets.reserve(indices.size());
  float* dest = out.features.data();
  for (const uint32_t i : indices) {
    assert(i < n && "subset: index out of range");
    std::memcpy(dest, data.row(i), data.num_features * sizeof(float));
    dest += data.num_features;
    if (has_labels) out.labels.push_back(data.labels[i]);
    if (has_targets) out.targets.push_back(data.targets[i]);
  }
  return out;
}

}  // namespace fedgate
