#include "core/training/minibatch_trainer.h"

#include <cstring>
#include <utility>

#include "core/models/model_factory.h"
#include "core/protocol/codec.h"

namespace fedgate {

void shuffle_epoch(std::vector<uint32_t>& indices, Rng& rng) {
  for (size_t n = indices.size(); n > 1; --n) {
    const size_t j = rng.uniform(static_cast<uint32_t>(n));
    std::swap(indices[n - 1], indices[j]);
  }
}

Status MinibatchTrainer::configure(const Dataset& data, const TrainingSetup& setup) {
  if (setup.num_features != data.num_features) {
    return Status::error(StatusCode::kInvalidArgument, "model wants %u features, local data has %u",
                         setup.num_features, data.num_features);
  }
  if (setup.batch_size == 0) {
    return Status::error(StatusCode::kInvalidArgument, "batch size 0 from coordinator");
  }
  ModelSpec spec;
  spec.kind = static_cast<ModelKind>(setup.model_kind);
  spec.num_features = setup.num_features;
  spec.num_classes = setup.num_classes;
  spec.hidden_units = setup.hidden_units;
  // Config has no bias flag: a least-squares model of F parameters has none.
  spec.bias = !(spec.kind == ModelKind::kLeastSquares && setup.model_dim == setup.num_features);
  FG_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, make_model(spec));
  if (model->dim() != setup.model_dim) {
    return Status::error(StatusCode::kInvalidArgument,
                         "coordinator says %u parameters, this %s model has %zu", setup.model_dim,
                         model_kind_name(spec.kind), model->dim());
  }
  model_ = std::move(model);
  batch_size_ = setup.batch_size;
  num_features_ = data.num_features;
  batch_features_.assign(static_cast<size_t>(batch_size_) * num_features_, 0.0f);
  batch_labels_.assign(data.labels.empty() ? 0 : batch_size_, 0);
  batch_targets_.assign(data.targets.empty() ? 0 : batch_size_, 0.0f);
  workspace_.assign(model_->workspace_floats(batch_size_), 0.0f);
  return Status::ok();
}

void MinibatchTrainer::gather(uint32_t slot, const Dataset& data, uint32_t row) {
  std::memcpy(batch_features_.data() + static_cast<size_t>(slot) * num_features_, data.row(row),
              num_features_ * sizeof(float));
  if (!batch_labels_.empty()) batch_labels_[slot] = data.labels[row];
  if (!batch_targets_.empty()) batch_targets_[slot] = data.targets[row];
}

Status MinibatchTrainer::check_sizes(Span<const float> params, Span<const float> grad) const {
  if (!model_) return Status::error(StatusCode::kFailedPrecondition, "trainer not configured");
  if (params.size() != model_->dim() || grad.size() != model_->dim()) {
    return Status::error(StatusCode::kInvalidArgument, "params/grad size %zu/%zu, model %zu",
                         params.size(), grad.size(), model_->dim());
  }
  return Status::ok();
}

Result<GradientStats> MinibatchTrainer::gradient(Span<const float> params, Span<float> grad) {
  FG_TRY(check_sizes(params, grad));
  Batch batch;
  batch.features = batch_features_.data();
  batch.labels = batch_labels_.empty() ? nullptr : batch_labels_.data();
  batch.targets = batch_targets_.empty() ? nullptr : batch_targets_.data();
  batch.rows = batch_size_;
  GradientStats stats;
  stats.loss = model_->loss_and_gradient(params, batch, grad, workspace_);
  stats.grad_norm = l2_norm(grad);
  stats.samples = batch_size_;
  return stats;
}

}  // namespace fedgate
