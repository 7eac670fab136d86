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

bool ClientRegistry::make_room(const std::string& id, size_t max_records, bool* evicted) {
  *evicted = false;
  if (max_records == 0 || clients_.size() < max_records || clients_.count(id) != 0) return true;
  auto oldest = clients_.end();
  for (auto it = clients_.begin(); it != clients_.end(); ++it) {
    if (it->second.active) continue;
    if (oldest == clients_.end() || it->second.last_seen_us < oldest->second.last_seen_us) {
      oldest = it;
    }
  }
  if (oldest == clients_.end()) return false;
  clients_.erase(oldest);
  *evicted = true;
  return true;
}

std::vector<std::string> ClientRegistry::silent_since(int64_t before_us) const {
  std::vector<std::string> silent;
  for (const auto& [id, record] : clients_) {
    if (record.active && record.last_seen_us < before_us) silent.push_back(id);
  }
  return silent;
}

}  // namespace fedgate
