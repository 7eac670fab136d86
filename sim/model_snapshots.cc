#include "sim/model_snapshots.h"

namespace fedgate {
namespace sim {

ModelSnapshot* ModelSnapshots::acquire(uint32_t version, Span<const float> params) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::unique_ptr<ModelSnapshot>& slot = by_version_[version];
  if (slot == nullptr) slot = std::make_unique<ModelSnapshot>(version, params);
  ++slot->refs_;
  return slot.get();
}

ModelSnapshot* ModelSnapshots::acquire_existing(uint32_t version) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_version_.find(version);
  if (it == by_version_.end()) return nullptr;
  ++it->second->refs_;
  return it->second.get();
}

void ModelSnapshots::retain(ModelSnapshot* snapshot) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++snapshot->refs_;
}

void ModelSnapshots::release(ModelSnapshot* snapshot) {
  if (snapshot == nullptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (--snapshot->refs_ == 0) by_version_.erase(snapshot->version_);
}

size_t ModelSnapshots::live() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return by_version_.size();
}

}  // namespace sim
}  // namespace fedgate
