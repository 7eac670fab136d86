// ModelSnapshots: the global model as of one version, stored once and shared by
// everything in the simulator that holds that version (queued ModelChunks, and
// every virtual client whose received model is exactly it), reference-counted.
// Without it every client keeps its own 4 * dim bytes (docs/simulator.md, "Memory").
//
// Thread-safe: the coordinator's thread creates snapshots while client workers
// take and drop references.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/base/span.h"

namespace fedgate {
namespace sim {

class ModelSnapshot {
 public:
  ModelSnapshot(uint32_t version, Span<const float> params)
      : version_(version), params_(params.begin(), params.end()) {}
  uint32_t version() const { return version_; }
  Span<const float> params() const { return Span<const float>(params_.data(), params_.size()); }

 private:
  friend class ModelSnapshots;
  uint32_t version_;
  std::vector<float> params_;
  uint32_t refs_ = 0;
};

class ModelSnapshots {
 public:
  // The snapshot of `version`, created from `params` when there is none; one more reference.
  ModelSnapshot* acquire(uint32_t version, Span<const float> params);
  // The snapshot of `version` with one more reference, or null.
  ModelSnapshot* acquire_existing(uint32_t version);
  void retain(ModelSnapshot* snapshot);
  // Drops a reference; the last one frees the snapshot.
  void release(ModelSnapshot* snapshot);
  size_t live() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<uint32_t, std::unique_ptr<ModelSnapshot>> by_version_;
};

}  // namespace sim
}  // namespace fedgate
