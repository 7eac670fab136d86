#include "core/training/local_trainer.h"

#include <chrono>
#include <cstring>

#include "core/models/model_factory.h"
#include "core/protocol/codec.h"

namespace fedgate {

LocalTrainer::LocalTrainer(const Dataset& data, std::vector<uint32_t> indices, uint64_t seed)
    : data_(data), indices_(std::move(indices)), rng_(seed), cursor_(indices_.size()) {}

Status LocalTrainer::configure(const TrainingSetup& setup) {
  if (setup.num_features != data_.num_features) {
    return Status::error(StatusCode::kInvalidArgument,
                         "model wants %u features, local data has %u", setup.num_features,
                         data_.num_features);
  }
  if (indices_.empty()) {
    return Status::error(StatusCode::kFailedPrecondition, "this client owns no samples");
  }
  if (setup.batch_size == 0) {
    return Status::error(StatusCode::kInvalidArgument, "batch size 0 from coordinator");
  }
  ModelSpec spec;
  spec.kind = static_cast<ModelKind>(setup.model_kind);
  spec.num_features = setup.num_features;
  spec.num_classes = setup.num_classes;
  spec.hidden_units = setup.hidden_units;
  FG_ASSIGN_OR_RETURN(model_, make_model(spec));
  if (model_->dim() != setup.model_dim) {
    return Status::error(StatusCode::kInvalidArgument,
                         "coordinator says %u parameters, this %s model has %zu",
                         setup.model_dim, model_kind_name(spec.kind), model_->dim());
  }
  batch_size_ = setup.batch_size;
  batch_features_.assign(static_cast<size_t>(batch_size_) * data_.num_features, 0.0f);
  batch_labels_.assign(data_.labels.empty() ? 0 : batch_size_, 0);
  batch_targets_.assign(data_.targets.empty() ? 0 : batch_size_, 0.0f);
  workspace_.assign(model_->workspace_floats(batch_size_), 0.0f);
  return Status::ok();
}

void LocalTrainer::next_batch() {
  const size_t row_bytes = data_.num_features * sizeof(float);
  for (uint32_t b = 0; b < batch_size_; ++b) {
    if (cursor_ >= indices_.size()) {
      // New epoch: Fisher-Yates with the portable generator.
      for (size_t i = indices_.size() - 1; i > 0; --i) {
        const size_t j = rng_.uniform(static_cast<uint32_t>(i + 1));
        std::swap(indices_[i], indices_[j]);
      }
      cursor_ = 0;
    }
    const uint32_t row = indices_[cursor_++];
    std::memcpy(batch_features_.data() + b * data_.num_features, data_.row(row), row_bytes);
    if (!batch_labels_.empty()) batch_labels_[b] = data_.labels[row];
    if (!batch_targets_.empty()) batch_targets_[b] = data_.targets[row];
  }
}

Result<GradientStats> LocalTrainer::compute(Span<const float> params, Span<float> grad) {
  if (!model_) return Status::error(StatusCode::kFailedPrecondition, "trainer not configured");
  if (params.size() != model_->dim() || grad.size() != model_->dim()) {
    return Status::error(StatusCode::kInvalidArgument, "params/grad size %zu/%zu, model %zu",
                         params.size(), grad.size(), model_->dim());
  }
  next_batch();
  have_batch_ = true;
  return gradient_on_batch(params, grad);
}

Result<GradientStats> LocalTrainer::recompute(Span<const float> params, Span<float> grad) {
  if (!model_ || !have_batch_) {
    return Status::error(StatusCode::kFailedPrecondition, "no minibatch to recompute on");
  }
  return gradient_on_batch(params, grad);
}

Result<GradientStats> LocalTrainer::gradient_on_batch(Span<const float> params,
                                                      Span<float> grad) {
  if (params.size() != model_->dim() || grad.size() != model_->dim()) {
    return Status::error(StatusCode::kInvalidArgument, "params/grad size %zu/%zu, model %zu",
                         params.size(), grad.size(), model_->dim());
  }
  const auto started = std::chrono::steady_clock::now();
  Batch batch;
  batch.features = batch_features_.data();
  batch.labels = batch_labels_.empty() ? nullptr : batch_labels_.data();
  batch.targets = batch_targets_.empty() ? nullptr : batch_targets_.data();
  batch.rows = batch_size_;
  GradientStats stats;
  stats.loss = model_->loss_and_gradient(params, batch, grad, workspace_);
  stats.grad_norm = l2_norm(grad);
  stats.samples = batch_size_;
  stats.compute_us = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::steady_clock::now() - started)
                                               .count());
  return stats;
}

}  // namespace fedgate
