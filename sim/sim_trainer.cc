#include "sim/sim_trainer.h"

#include <algorithm>
#include <cstring>

namespace fedgate {
namespace sim {

Status SharedTraining::configure(const TrainingSetup& setup) {
  if (minibatch_.configured()) {
    if (setup.model_kind != setup_.model_kind || setup.model_dim != setup_.model_dim ||
        setup.batch_size != setup_.batch_size || setup.num_features != setup_.num_features) {
      return Status::error(StatusCode::kInvalidArgument,
                           "the coordinator changed the model or batch size mid-simulation");
    }
    return Status::ok();
  }
  FG_TRY(minibatch_.configure(data_, setup));
  setup_ = setup;
  return Status::ok();
}

uint64_t gradient_checksum(Span<const float> values) {
  // 64-bit words, multiply-xor: a few microseconds for 7,850 floats.
  uint64_t hash = 0x9E3779B97F4A7C15ull ^ values.size();
  const size_t words = values.size() / 2;
  const float* data = values.data();
  for (size_t i = 0; i < words; ++i) {
    uint64_t word;
    std::memcpy(&word, data + 2 * i, sizeof(word));
    hash = (hash ^ word) * 0xFF51AFD7ED558CCDull;
    hash ^= hash >> 29;
  }
  if (values.size() % 2 != 0) {
    uint32_t last;
    std::memcpy(&last, data + values.size() - 1, sizeof(last));
    hash = (hash ^ last) * 0xFF51AFD7ED558CCDull;
  }
  return hash;
}

Status SharedTraining::regenerate(Span<const uint32_t> rows, Span<const float> params,
                                  Span<float> grad) {
  FG_TRY(minibatch_.check_sizes(params, grad));
  if (rows.size() != setup_.batch_size) {
    return Status::error(StatusCode::kInternal, "a kept minibatch has %zu rows, the batch is %u",
                         rows.size(), setup_.batch_size);
  }
  for (uint32_t b = 0; b < rows.size(); ++b) minibatch_.gather(b, data_, rows[b]);
  batch_owner_ = nullptr;  // the rows are gathered again; no client's recompute relies on them
  FG_ASSIGN_OR_RETURN(GradientStats stats, minibatch_.gradient(params, grad));
  (void)stats;
  return Status::ok();
}

SimTrainer::SimTrainer(SharedTraining& shared, std::vector<uint32_t> indices, uint64_t seed,
                       const ComputeModel& compute, uint32_t index)
    : shared_(shared),
      indices_(std::move(indices)),
      data_rng_(seed),
      time_rng_(seed ^ 0x7113E5EEDull),
      cursor_(indices_.size()),
      compute_(compute),
      index_(index) {}

void SimTrainer::next_batch() {
  const Dataset& data = shared_.data_;
  const uint32_t batch_size = shared_.setup_.batch_size;
  shared_.last_.rows.resize(batch_size);
  for (uint32_t b = 0; b < batch_size; ++b) {
    uint32_t row;
    if (indices_.empty()) {
      row = data_rng_.uniform(static_cast<uint32_t>(data.size()));
    } else {
      if (cursor_ >= indices_.size()) {
        shuffle_epoch(indices_, data_rng_);
        cursor_ = 0;
      }
      row = indices_[cursor_++];
    }
    shared_.minibatch_.gather(b, data, row);
    shared_.last_.rows[b] = row;
  }
}

Result<GradientStats> SimTrainer::compute(Span<const float> params, Span<float> grad) {
  FG_TRY(shared_.minibatch_.check_sizes(params, grad));
  next_batch();
  shared_.batch_owner_ = this;
  FG_ASSIGN_OR_RETURN(GradientStats stats, shared_.minibatch_.gradient(params, grad));
  shared_.last_.params = params.data();
  shared_.last_.grad = grad.data();
  shared_.last_.checksum = gradient_checksum(grad);
  ++shared_.gradients_since_mark_;
  charge(&stats);
  ++gradients_;
  return stats;
}

Result<GradientStats> SimTrainer::recompute(Span<const float> params, Span<float> grad) {
  FG_TRY(shared_.minibatch_.check_sizes(params, grad));
  // The gather buffers are shared; they hold this client's batch only until
  // another client computes (never in between within one handler).
  if (shared_.batch_owner_ != this) {
    return Status::error(StatusCode::kFailedPrecondition,
                         "no minibatch of this client to recompute on");
  }
  FG_ASSIGN_OR_RETURN(GradientStats stats, shared_.minibatch_.gradient(params, grad));
  ++shared_.gradients_since_mark_;
  charge(&stats);
  return stats;
}

void SimTrainer::charge(GradientStats* stats) {
  const int64_t us = compute_.sample_us(index_, time_rng_);
  stats->compute_us = static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX));
  consumed_us_ += us;
}

}  // namespace sim
}  // namespace fedgate
