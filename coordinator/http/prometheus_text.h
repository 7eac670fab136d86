// The /metrics page: a StatusSnapshot in Prometheus' text exposition format
// (version 0.0.4). Names and units follow Prometheus conventions; docs/monitoring.md
// lists every metric.
#pragma once

#include <string>

#include "coordinator/http/status_snapshot.h"

namespace fedgate {

// Upper bounds (in model versions) of the staleness histogram's buckets, +Inf aside.
const std::vector<double>& staleness_bucket_bounds();

// The applied updates' staleness (Metrics::staleness) in those buckets.
struct StalenessHistogram {
  std::vector<uint64_t> cumulative;  // per bound: updates with staleness <= bound
  uint64_t count = 0;
  double sum = 0;
};
StalenessHistogram staleness_histogram(const Metrics& metrics);

// `per_client`: also one series per client name (server.http_per_client; a
// fleet of thousands makes that many series).
std::string prometheus_text(const StatusSnapshot& snapshot, bool per_client);

}  // namespace fedgate
