// ShardSource: the firmware's GradientSource. Softmax regression minibatch
// gradients over the flash shard, one sample at a time (SoftmaxStream), so no
// batch of floats is ever materialised: RAM holds only C logits of scratch.
#pragma once

#include <cstdint>

#include "core/base/rng.h"
#include "core/models/softmax_stream.h"
#include "core/protocol/gradient_source.h"
#include "firmware/stm32/app/shard.h"

namespace fedgate::stm32 {

class ShardSource final : public GradientSource {
 public:
  static constexpr uint32_t kMaxClasses = 16;

  ShardSource(const Shard& shard, uint64_t seed) : shard_(shard), rng_(seed) {}

  uint32_t num_features() const override { return shard_.features; }
  uint32_t num_classes() const override { return shard_.classes; }
  // Softmax only, with this shard's features and classes, batch 1..samples.
  Status configure(const TrainingSetup& setup) override;
  Result<GradientStats> compute(Span<const float> params, Span<float> grad) override;

  // Accuracy of `params` on the whole shard (a local progress check).
  float shard_accuracy(Span<const float> params);
  // Duration of the last compute(), from the SysTick time base.
  uint32_t last_compute_us() const { return last_compute_us_; }

 private:
  const Shard& shard_;
  Rng rng_;
  SoftmaxStream model_{0, 0};
  uint32_t batch_size_ = 0;
  uint32_t last_compute_us_ = 0;
  float scratch_[kMaxClasses] = {0};
};

}  // namespace fedgate::stm32
