#include "coordinator/client_registry.h"

namespace fedgate {

ClientRecord* ClientRegistry::find(const std::string& id) {
  auto it = clients_.find(id);
  return it == clients_.end() || !it->second.active ? nullptr : &it->second;
}

ClientRecord& ClientRegistry::upsert(const std::string& id) {
  ClientRecord& record = clients_[id];
  record.active = true;
  record.pending = false;
  return record;
}

void ClientRegistry::deactivate(const std::string& id) {
  if (ClientRecord* record = find(id)) {
    record->active = false;
    record->pending = false;
  }
}

size_t ClientRegistry::active_count() const {
  size_t count = 0;
  for (const auto& [id, record] : clients_) count += record.active ? 1 : 0;
  return count;
}

}  // namespace fedgate
