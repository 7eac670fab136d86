#include "coordinator/client_registry.h"

namespace fedgate {

ClientRecord* ClientRegistry::find(const std::string& id) {
  auto it = clients_.find(id);
  return it == clients_.end() || !it->second.active ? nullptr : &it->second;
}

ClientRecord& ClientRegistry::upsert(const std::string& id) {
  auto [it, inserted] = clients_.try_emplace(id);
  ClientRecord& record = it->second;
  if (inserted || !record.active) ++active_;
  record.active = true;
  record.pending = false;
  return record;
}

void ClientRegistry::deactivate(const std::string& id) {
  if (ClientRecord* record = find(id)) {
    --active_;
    record->active = false;
    record->pending = false;
  }
}

size_t ClientRegistry::active_count() const { return active_; }

}  // namespace fedgate
