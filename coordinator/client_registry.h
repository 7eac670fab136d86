// ClientRegistry: what the coordinator knows about each client, keyed by the
// client's ZeroMQ routing id.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "schemas/fedgate_generated.h"

namespace fedgate {

struct ClientCounts {
  uint64_t offers = 0;
  uint64_t accepts = 0;
  uint64_t rejects = 0;
  uint64_t updates = 0;  // applied gradients
  // Sum of the applied gradients' staleness (mean: staleness_sum / updates).
  uint64_t staleness_sum = 0;
  uint64_t errors = 0;
  uint64_t bytes_up = 0;
  uint64_t bytes_down = 0;
};

struct ClientRecord {
  bool active = true;  // false once the client said Bye; its counts stay for the log
  std::string name;
  wire::DeviceClass device_class = wire::DeviceClass::Unknown;
  uint32_t chunk_floats = 0;  // Model chunk size agreed at Hello
  int64_t last_seen_us = 0;
  // An accepted offer whose Update has not arrived yet.
  bool pending = false;
  uint32_t pending_version = 0;
  double pending_norm = 0;
  // ModelRequests served since the client last sent Hello, Offer, Update or
  // Skip (limits.model_resends; docs/security.md, "Limits").
  uint32_t model_requests_served = 0;
  ClientCounts counts;
};

class ClientRegistry {
 public:
  // The active client registered as `id`, or nullptr.
  ClientRecord* find(const std::string& id);
  // Registers `id` anew (a repeated Hello resets the record's protocol state,
  // keeping its counts).
  ClientRecord& upsert(const std::string& id);
  void deactivate(const std::string& id);
  // O(1): the coordinator asks on every offer and update, and fleets reach 10,000.
  size_t active_count() const;
  // Every client ever registered, active or not.
  const std::map<std::string, ClientRecord>& all() const { return clients_; }
  // Limits (docs/security.md): room for registering `id` within `max_records`
  // records (0 = no bound), dropping the longest-silent inactive record if
  // needed; false when every record is active. `evicted` is set when one was dropped.
  bool make_room(const std::string& id, size_t max_records, bool* evicted);
  // Active clients last heard from before `before_us`.
  std::vector<std::string> silent_since(int64_t before_us) const;
  // For per-client work; `active` changes only through upsert() and deactivate().
  std::map<std::string, ClientRecord>& mutable_all() { return clients_; }

 private:
  std::map<std::string, ClientRecord> clients_;
  size_t active_ = 0;
};

}  // namespace fedgate
