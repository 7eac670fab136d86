// MinibatchTrainer: what every host GradientSource builds from the coordinator's
// TrainingSetup over an in-memory Dataset: the checks that the setup fits the data,
// the model, the minibatch gather buffers and the model's scratch. LocalTrainer (Linux
// client) and the simulator's SharedTraining differ only in how they pick rows.
//
// configure() allocates everything once; gather() and gradient() then allocate nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/rng.h"
#include "core/data/dataset.h"
#include "core/models/model.h"
#include "core/protocol/gradient_source.h"

namespace fedgate {

// A new epoch's order of `indices`: Fisher-Yates with the portable generator, so a run
// is reproducible by seed on every platform.
void shuffle_epoch(std::vector<uint32_t>& indices, Rng& rng);

class MinibatchTrainer {
 public:
  // Checks `setup` against `data` (features, batch size, parameter count), builds the
  // model and sizes the buffers. `data` must outlive the gather() calls.
  Status configure(const Dataset& data, const TrainingSetup& setup);
  bool configured() const { return model_ != nullptr; }
  const Model* model() const { return model_.get(); }
  uint32_t batch_size() const { return batch_size_; }

  // OK when configured and both vectors hold the model's dim() floats.
  Status check_sizes(Span<const float> params, Span<const float> grad) const;

  // Copies row `row` of `data` into minibatch slot `slot` (< batch_size()).
  void gather(uint32_t slot, const Dataset& data, uint32_t row);

  // Loss, gradient and its norm on the gathered minibatch; compute_us is left 0 for the
  // caller (wall time on a client, modelled time in the simulator).
  Result<GradientStats> gradient(Span<const float> params, Span<float> grad);

 private:
  std::unique_ptr<Model> model_;
  uint32_t batch_size_ = 0;
  uint32_t num_features_ = 0;
  std::vector<float> batch_features_;
  std::vector<int32_t> batch_labels_;
  std::vector<float> batch_targets_;
  std::vector<float> workspace_;
};

}  // namespace fedgate
