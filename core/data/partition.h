// Partitioning: splits one Dataset's sample indices across federated clients
// (IID, McMahan label shards, or Dirichlet label skew) so a simulation or a
// fleet of real clients can share one copy of the data.
//
// partition() returns index lists the caller owns; subset() returns a Dataset
// that owns copies of the selected rows. Neither keeps a reference to `data`.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/data/dataset.h"

namespace fedgate {

enum class PartitionScheme {
  kIid,          // shuffled, near-equal sizes
  kLabelShards,  // sorted by label, cut into shards, shards_per_client per client
  kDirichlet,    // per-class proportions over clients ~ Dir(dirichlet_alpha)
};

// "iid", "shards", "dirichlet"; anything else is kInvalidArgument.
Result<PartitionScheme> parse_partition_scheme(std::string_view name);
const char* partition_scheme_name(PartitionScheme scheme);

struct PartitionSpec {
  PartitionScheme scheme = PartitionScheme::kIid;
  uint32_t num_clients = 1;
  uint64_t seed = 1;
  double dirichlet_alpha = 0.5;    // kDirichlet: smaller = more label skew
  uint32_t shards_per_client = 2;  // kLabelShards
};

// For each client, the sample indices it owns: sorted ascending, disjoint, and
// together covering every sample; every client gets at least one sample. The
// result depends only on the data's size and labels and on `spec` (the same on
// every architecture), so clients can each compute the split and take their own
// share. Label-based schemes need classification data.
Result<std::vector<std::vector<uint32_t>>> partition(const Dataset& data,
                                                     const PartitionSpec& spec);

// Copies the rows `indices` (each < data.size()) into a new Dataset with the
// same num_features and num_classes.
Dataset subset(const Dataset& data, Span<const uint32_t> indices);

}  // namespace fedgate
