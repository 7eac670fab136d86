#include "coordinator/http/status_snapshot.h"

#include <cmath>

namespace fedgate {

StatusSnapshot take_status_snapshot(const Coordinator& coordinator, int64_t now_us,
                                    int64_t start_us) {
  StatusSnapshot snapshot;
  snapshot.uptime_s = static_cast<double>(now_us - start_us) * 1e-6;
  snapshot.running = !coordinator.stopped();
  snapshot.stop_reason = coordinator.stop_reason();
  snapshot.version = coordinator.model().version();
  double squares = 0;
  for (const float value : coordinator.model().params()) squares += double(value) * value;
  snapshot.model_norm = std::sqrt(squares);
  snapshot.clients_active = coordinator.clients().active_count();
  snapshot.metrics = coordinator.metrics();
  snapshot.last_eval = coordinator.last_eval();
  for (const auto& [id, record] : coordinator.clients().all()) {
    ClientStatus client;
    client.name = record.name.empty() ? id : record.name;
    client.active = record.active;
    client.device_class = wire::EnumNameDeviceClass(record.device_class);
    client.last_seen_age_s = static_cast<double>(now_us - record.last_seen_us) * 1e-6;
    client.counts = record.counts;
    if (record.counts.updates > 0) {
      client.mean_staleness = static_cast<double>(record.counts.staleness_sum) /
                              static_cast<double>(record.counts.updates);
    }
    snapshot.clients.push_back(std::move(client));
  }
  return snapshot;
}

}  // namespace fedgate
