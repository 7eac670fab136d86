#include "firmware/stm32/app/shard_source.h"

#include <cinttypes>

#include "core/protocol/codec.h"
#include "firmware/stm32/board/clock.h"

namespace fedgate::stm32 {

namespace {
constexpr float kPixelScale = 1.0f / 255.0f;  // as the host loaders scale Fashion-MNIST
}

Status ShardSource::configure(const TrainingSetup& setup) {
  if (setup.model_kind != wire::ModelKind::Softmax) {
    return Status::error(StatusCode::kInvalidArgument,
                         "model kind %s not supported: this firmware trains softmax only",
                         wire::EnumNameModelKind(setup.model_kind));
  }
  if (setup.num_features != shard_.features || setup.num_classes != shard_.classes ||
      shard_.classes > kMaxClasses) {
    return Status::error(StatusCode::kInvalidArgument,
                         "model is %" PRIu32 " features x %" PRIu32
                         " classes, the shard holds %" PRIu32 " x %" PRIu32,
                         setup.num_features, setup.num_classes, shard_.features, shard_.classes);
  }
  model_ = SoftmaxStream(shard_.features, shard_.classes);
  if (setup.model_dim != model_.dim()) {
    return Status::error(StatusCode::kInvalidArgument, "model_dim %" PRIu32 ", softmax needs %zu",
                         setup.model_dim, model_.dim());
  }
  if (setup.batch_size < 1 || setup.batch_size > shard_.samples) {
    return Status::error(StatusCode::kInvalidArgument,
                         "batch_size %" PRIu32 " outside [1, %" PRIu32 "] (the shard's samples)",
                         setup.batch_size, shard_.samples);
  }
  batch_size_ = setup.batch_size;
  return Status::ok();
}

Result<GradientStats> ShardSource::compute(Span<const float> params, Span<float> grad) {
  if (batch_size_ == 0 || params.size() != model_.dim() || grad.size() != model_.dim()) {
    return Status::error(StatusCode::kFailedPrecondition, "compute before configure");
  }
  const uint64_t started = micros();
  Span<float> scratch(scratch_, shard_.classes);
  model_.begin(grad);
  for (uint32_t i = 0; i < batch_size_; ++i) {
    const uint32_t row = rng_.uniform(shard_.samples);
    model_.add(params, shard_.pixels + static_cast<size_t>(row) * shard_.features, kPixelScale,
               shard_.labels[row], grad, scratch);
  }
  GradientStats stats;
  stats.loss = model_.finish(grad, batch_size_);
  stats.grad_norm = l2_norm(Span<const float>(grad.data(), grad.size()));
  stats.samples = batch_size_;
  last_compute_us_ = static_cast<uint32_t>(micros() - started);
  stats.compute_us = last_compute_us_;
  return stats;
}

float ShardSource::shard_accuracy(Span<const float> params) {
  if (params.size() != model_.dim() || shard_.samples == 0) return 0.0f;
  Span<float> scratch(scratch_, shard_.classes);
  uint32_t correct = 0;
  for (uint32_t i = 0; i < shard_.samples; ++i) {
    const uint32_t predicted = model_.predict(
        params, shard_.pixels + static_cast<size_t>(i) * shard_.features, kPixelScale, scratch);
    if (predicted == shard_.labels[i]) ++correct;
  }
  return static_cast<float>(correct) / static_cast<float>(shard_.samples);
}

}  // namespace fedgate::stm32
