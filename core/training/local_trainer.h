// LocalTrainer: a GradientSource over an in-memory Dataset and the sample
// indices one client owns. Used by the Linux client and the simulator; the
// data is shared (never copied), only the minibatch is gathered.
//
// configure() allocates the model and every buffer once; compute() then
// allocates nothing. Minibatches walk a seeded permutation of the client's
// samples, reshuffled each epoch, so a run is reproducible by seed.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/rng.h"
#include "core/data/dataset.h"
#include "core/models/model.h"
#include "core/protocol/gradient_source.h"
#include "core/training/minibatch_trainer.h"

namespace fedgate {

class LocalTrainer : public GradientSource {
 public:
  // `data` must outlive the trainer; `indices` (copied) are the rows it may use.
  LocalTrainer(const Dataset& data, std::vector<uint32_t> indices, uint64_t seed);

  uint32_t num_features() const override { return data_.num_features; }
  uint32_t num_classes() const override { return data_.num_classes; }
  Status configure(const TrainingSetup& setup) override;
  Result<GradientStats> compute(Span<const float> params, Span<float> grad) override;
  // Same minibatch as the last compute() (LAG compares gradients at two points).
  bool can_recompute() const override { return true; }
  Result<GradientStats> recompute(Span<const float> params, Span<float> grad) override;

  const Model* model() const { return minibatch_.model(); }
  size_t samples() const { return indices_.size(); }

 private:
  void next_batch();
  Result<GradientStats> gradient_on_batch(Span<const float> params, Span<float> grad);
  bool have_batch_ = false;

  const Dataset& data_;
  std::vector<uint32_t> indices_;
  Rng rng_;
  size_t cursor_ = 0;  // position in indices_ of the next sample
  MinibatchTrainer minibatch_;
};

}  // namespace fedgate
