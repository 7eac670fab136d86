#include "coordinator/aggregation/sync_minibatch.h"

namespace fedgate {

bool SyncMinibatch::take(AggregationHost&, const std::string&, const Contribution& contribution) {
  const double factor = descent_factor(contribution);
  for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += factor * contribution.values[i];
  ++gradients_;
  return true;
}

void SyncMinibatch::commit_round(AggregationHost& host) {
  if (gradients_ == 0) return;
  for (size_t i = 0; i < sum_.size(); ++i) {
    direction_[i] = static_cast<float>(sum_[i] / gradients_);
  }
  sum_.assign(sum_.size(), 0.0);
  gradients_ = 0;
  host.commit(Span<const float>(direction_.data(), direction_.size()), 1.0);
}

namespace {

Result<std::unique_ptr<AggregationPolicy>> make(const PolicyParams&, const PolicyContext& context) {
  return std::unique_ptr<AggregationPolicy>(new SyncMinibatch(context.model->dim()));
}

}  // namespace

extern const AggregationEntry kSyncMinibatchEntry = {
    "sync-minibatch",
    "rounds; average one gradient per client, then broadcast (baseline)",
    Span<const ParamSpec>(), make};

}  // namespace fedgate
