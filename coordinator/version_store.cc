#include "coordinator/version_store.h"

#include <cmath>
#include <cstring>

namespace fedgate {

VersionStore::VersionStore(uint32_t window, const GlobalModel& model)
    : window_(window), dim_(model.dim()), snapshots_(static_cast<size_t>(window) * model.dim()) {
  store(model);
}

void VersionStore::store(const GlobalModel& model) {
  const size_t row = model.version() % window_;
  std::memcpy(snapshots_.data() + row * dim_, model.params().data(), dim_ * sizeof(float));
}

Span<const float> VersionStore::snapshot(uint32_t version) const {
  return Span<const float>(snapshots_.data() + (version % window_) * dim_, dim_);
}

double VersionStore::distance(uint32_t version, const GlobalModel& model) const {
  const float* snap = snapshots_.data() + (version % window_) * dim_;
  const float* current = model.params().data();
  double sum = 0;
  for (size_t i = 0; i < dim_; ++i) {
    const double diff = static_cast<double>(current[i]) - snap[i];
    sum += diff * diff;
  }
  return std::sqrt(sum);
}

void VersionStore::save_state(StateWriter& out) const {
  out.u32(window_);
  out.floats(Span<const float>(snapshots_.data(), snapshots_.size()));
}

void VersionStore::restore_state(StateReader& in) {
  const uint32_t window = in.u32();
  if (!in.failed() && window != window_) {
    in.fail("a window of %u snapshots, this run keeps %u", window, window_);
    return;
  }
  in.floats(&snapshots_, snapshots_.size(), "the snapshots");
}

}  // namespace fedgate
