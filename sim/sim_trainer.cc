#include "sim/sim_trainer.h"

#include <algorithm>
#include <cstring>

#include "core/models/model_factory.h"
#include "core/protocol/codec.h"

namespace fedgate {
namespace sim {

Status SharedTraining::configure(const TrainingSetup& setup) {
  if (configured_) {
    if (setup.model_kind != setup_.model_kind || setup.model_dim != setup_.model_dim ||
        setup.batch_size != setup_.batch_size || setup.num_features != setup_.num_features) {
      return Status::error(StatusCode::kInvalidArgument,
                           "the coordinator changed the model or batch size mid-simulation");
    }
    return Status::ok();
  }
  if (setup.num_features != data_.num_features) {
    return Status::error(StatusCode::kInvalidArgument, "model wants %u features, the data has %u",
                         setup.num_features, data_.num_features);
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
    return Status::error(StatusCode::kInvalidArgument, "coordinator says %u parameters, model has %zu",
                         setup.model_dim, model_->dim());
  }
  setup_ = setup;
  batch_features_.assign(static_cast<size_t>(setup.batch_size) * data_.num_features, 0.0f);
  batch_labels_.assign(data_.labels.empty() ? 0 : setup.batch_size, 0);
  batch_targets_.assign(data_.targets.empty() ? 0 : setup.batch_size, 0.0f);
  workspace_.assign(model_->workspace_floats(setup.batch_size), 0.0f);
  configured_ = true;
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
  const size_t row_bytes = data.num_features * sizeof(float);
  const uint32_t batch_size = shared_.setup_.batch_size;
  for (uint32_t b = 0; b < batch_size; ++b) {
    uint32_t row;
    if (indices_.empty()) {
      row = data_rng_.uniform(static_cast<uint32_t>(data.size()));
    } else {
      if (cursor_ >= indices_.size()) {
        for (size_t i = indices_.size() - 1; i > 0; --i) {
          std::swap(indices_[i], indices_[data_rng_.uniform(static_cast<uint32_t>(i + 1))]);
        }
        cursor_ = 0;
      }
      row = indices_[cursor_++];
    }
    std::memcpy(shared_.batch_features_.data() + static_cast<size_t>(b) * data.num_features,
                data.row(row), row_bytes);
    if (!shared_.batch_labels_.empty()) shared_.batch_labels_[b] = data.labels[row];
    if (!shared_.batch_targets_.empty()) shared_.batch_targets_[b] = data.targets[row];
  }
}

Result<GradientStats> SimTrainer::compute(Span<const float> params, Span<float> grad) {
  if (!shared_.configured_) {
    return Status::error(StatusCode::kFailedPrecondition, "trainer not configured");
  }
  const Model& model = *shared_.model_;
  if (params.size() != model.dim() || grad.size() != model.dim()) {
    return Status::error(StatusCode::kInvalidArgument, "params/grad size %zu/%zu, model %zu",
                         params.size(), grad.size(), model.dim());
  }
  next_batch();
  Batch batch;
  batch.features = shared_.batch_features_.data();
  batch.labels = shared_.batch_labels_.empty() ? nullptr : shared_.batch_labels_.data();
  batch.targets = shared_.batch_targets_.empty() ? nullptr : shared_.batch_targets_.data();
  batch.rows = shared_.setup_.batch_size;
  GradientStats stats;
  stats.loss = model.loss_and_gradient(params, batch, grad, shared_.workspace_);
  stats.grad_norm = l2_norm(grad);
  stats.samples = shared_.setup_.batch_size;
  const int64_t us = compute_.sample_us(index_, time_rng_);
  stats.compute_us = static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX));
  consumed_us_ += us;
  ++gradients_;
  return stats;
}

}  // namespace sim
}  // namespace fedgate
