// VersionStore: a ring buffer of the last `window` model snapshots, so a
// policy can look at x_v for any version v the clients may still be working
// on (norm-ratio-exact's distance, PC-ASGD's Taylor correction). Memory:
// 4 * window * d bytes. Call store() after every new model version.
#pragma once

#include <cstdint>
#include <vector>

#include "coordinator/checkpoint_state.h"
#include "coordinator/global_model.h"

namespace fedgate {

class VersionStore {
 public:
  // Stores `model`'s current version as the first snapshot. window >= 1.
  VersionStore(uint32_t window, const GlobalModel& model);

  void store(const GlobalModel& model);
  uint32_t window() const { return window_; }
  // True when version v's snapshot is still held while the model is at `current`.
  bool holds(uint32_t version, uint32_t current) const {
    return version <= current && current - version < window_;
  }
  // x_v; only meaningful when holds(v, t).
  Span<const float> snapshot(uint32_t version) const;
  // ||x_t - x_v|| with `model` at version t.
  double distance(uint32_t version, const GlobalModel& model) const;
  // Checkpoints: every snapshot row; restore needs the same window and dimension.
  void save_state(StateWriter& out) const;
  void restore_state(StateReader& in);

 private:
  uint32_t window_;
  size_t dim_;
  std::vector<float> snapshots_;  // window_ rows of dim_ floats; row v % window_ holds version v
};

}  // namespace fedgate
