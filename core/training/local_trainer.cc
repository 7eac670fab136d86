#include "core/training/local_trainer.h"

#include <chrono>
#include <utility>

namespace fedgate {

LocalTrainer::LocalTrainer(const Dataset& data, std::vector<uint32_t> indices, uint64_t seed)
    : data_(data), indices_(std::move(indices)), rng_(seed), cursor_(indices_.size()) {}

Status LocalTrainer::configure(const TrainingSetup& setup) {
  if (indices_.empty()) {
    return Status::error(StatusCode::kFailedPrecondition, "this client owns no samples");
  }
  return minibatch_.configure(data_, setup);
}

void LocalTrainer::next_batch() {
  for (uint32_t b = 0; b < minibatch_.batch_size(); ++b) {
    if (cursor_ >= indices_.size()) {
      shuffle_epoch(indices_, rng_);
      cursor_ = 0;
    }
    minibatch_.gather(b, data_, indices_[cursor_++]);
  }
}

Result<GradientStats> LocalTrainer::compute(Span<const float> params, Span<float> grad) {
  FG_TRY(minibatch_.check_sizes(params, grad));
  next_batch();
  have_batch_ = true;
  return gradient_on_batch(params, grad);
}

Result<GradientStats> LocalTrainer::recompute(Span<const float> params, Span<float> grad) {
  if (!minibatch_.configured() || !have_batch_) {
    return Status::error(StatusCode::kFailedPrecondition, "no minibatch to recompute on");
  }
  return gradient_on_batch(params, grad);
}

Result<GradientStats> LocalTrainer::gradient_on_batch(Span<const float> params, Span<float> grad) {
  const auto started = std::chrono::steady_clock::now();
  FG_ASSIGN_OR_RETURN(GradientStats stats, minibatch_.gradient(params, grad));
  stats.compute_us = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::steady_clock::now() - started)
                                               .count());
  return stats;
}

}  // namespace fedgate
