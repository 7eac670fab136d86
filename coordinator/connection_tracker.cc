#include "coordinator/connection_tracker.h"

#include <iterator>

namespace fedgate {

void ConnectionTracker::on_closed(int fd) {
  open_.erase(fd);
  // The descriptor number may be reused by the next connection, and ids must not
  // pile up as peers come and go: forget the ids this connection owned.
  for (auto it = owners_.begin(); it != owners_.end();) {
    it = it->second.fd == fd ? owners_.erase(it) : std::next(it);
  }
}

ConnectionVerdict ConnectionTracker::on_message(const std::string& id, int fd, int64_t now_us) {
  auto [it, inserted] = owners_.try_emplace(id);
  Owner& owner = it->second;
  if (inserted || owner.fd == fd) {
    owner.fd = fd;
    owner.heard_us = now_us;
    return ConnectionVerdict::kOwner;
  }
  const bool owner_alive =
      owner.fd >= 0 && open_.count(owner.fd) != 0 && now_us - owner.heard_us < live_window_us_;
  if (owner_alive) {
    ++duplicates_;
    return ConnectionVerdict::kDuplicate;
  }
  owner.fd = fd;
  owner.heard_us = now_us;
  return ConnectionVerdict::kTakeover;
}

int ConnectionTracker::owner(const std::string& id) const {
  const auto it = owners_.find(id);
  return it == owners_.end() ? -1 : it->second.fd;
}

int64_t ConnectionTracker::owner_silent_ms(const std::string& id, int64_t now_us) const {
  const auto it = owners_.find(id);
  return it == owners_.end() ? 0 : (now_us - it->second.heard_us) / 1000;
}

}  // namespace fedgate
