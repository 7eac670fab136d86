// SimTrainer: the GradientSource of one virtual client. It computes real
// minibatch gradients over the one shared Dataset and reports the *virtual*
// compute time its ComputeModel draws as compute_us (the coordinator's
// timing-aware policies read it from the Offer/Update).
//
// Memory: a simulation thread runs one client at a time, so the model object,
// the minibatch gather buffers and the model workspace live once per thread in
// SharedTraining; a client owns only its sample indices and two generators.
// SharedTraining also remembers the rows and the result of the last gradient,
// so that a gradient awaiting its Decision can be dropped and computed again
// from the same rows (client_workspace.h) instead of kept per client.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/rng.h"
#include "core/data/dataset.h"
#include "core/protocol/gradient_source.h"
#include "core/training/minibatch_trainer.h"
#include "sim/compute_model.h"

namespace fedgate {
namespace sim {

class SharedTraining {
 public:
  // `data` must outlive this object.
  explicit SharedTraining(const Dataset& data) : data_(data) {}
  // The first call builds the model and buffers; later calls must ask for the same setup.
  Status configure(const TrainingSetup& setup);
  const Dataset& data() const { return data_; }

  // The last compute(), for regenerate(): its rows, where it read and wrote,
  // the checksum of what it wrote, and how many gradients ran since mark().
  struct LastGradient {
    std::vector<uint32_t> rows;
    const float* params = nullptr;
    const float* grad = nullptr;
    uint64_t checksum = 0;
  };
  const LastGradient& last() const { return last_; }
  // Starts counting gradients (a client's handler begins).
  void mark() { gradients_since_mark_ = 0; }
  uint32_t gradients_since_mark() const { return gradients_since_mark_; }
  // The gradient at `params` on `rows` again, into `grad`: bit for bit what the
  // first computation gave (the same code on the same inputs).
  Status regenerate(Span<const uint32_t> rows, Span<const float> params, Span<float> grad);

 private:
  friend class SimTrainer;
  const Dataset& data_;
  TrainingSetup setup_;
  MinibatchTrainer minibatch_;
  const void* batch_owner_ = nullptr;  // the client whose minibatch the buffers hold
  LastGradient last_;
  uint32_t gradients_since_mark_ = 0;
};

// A checksum of a gradient's bits, to prove a kept gradient unchanged.
uint64_t gradient_checksum(Span<const float> values);

class SimTrainer : public GradientSource {
 public:
  // `indices`: the rows this client owns, walked in a seeded permutation
  // reshuffled every epoch (as LocalTrainer does); empty = the whole dataset,
  // sampled uniformly with replacement (no per-client copy of 60k indices).
  SimTrainer(SharedTraining& shared, std::vector<uint32_t> indices, uint64_t seed,
             const ComputeModel& compute, uint32_t index);

  uint32_t num_features() const override { return shared_.data_.num_features; }
  // Regression data has no classes; the least-squares model counts one output.
  uint32_t num_classes() const override {
    return shared_.data_.num_classes == 0 ? 1 : shared_.data_.num_classes;
  }
  Status configure(const TrainingSetup& setup) override { return shared_.configure(setup); }
  Result<GradientStats> compute(Span<const float> params, Span<float> grad) override;
  // The last minibatch again at `params` (LAG's g_old), charged as one more
  // gradient's virtual compute time.
  bool can_recompute() const override { return true; }
  Result<GradientStats> recompute(Span<const float> params, Span<float> grad) override;

  // Virtual microseconds of compute since the last call (then resets).
  int64_t take_consumed_us() {
    const int64_t consumed = consumed_us_;
    consumed_us_ = 0;
    return consumed;
  }
  // Virtual microseconds consumed so far in the current message handler.
  int64_t consumed_us() const { return consumed_us_; }
  uint64_t gradients() const { return gradients_; }

 private:
  void next_batch();
  // Draws this gradient's virtual compute time and charges it.
  void charge(GradientStats* stats);

  SharedTraining& shared_;
  std::vector<uint32_t> indices_;
  Rng data_rng_;
  Rng time_rng_;
  size_t cursor_;
  const ComputeModel& compute_;
  uint32_t index_;
  int64_t consumed_us_ = 0;
  uint64_t gradients_ = 0;
};

}  // namespace sim
}  // namespace fedgate
