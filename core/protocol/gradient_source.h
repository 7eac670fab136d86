// GradientSource: what a client session asks of the learning side.
//
// The session owns the protocol; a GradientSource owns the model maths and the
// local data. The Linux client backs it with a Model and a data partition, the
// firmware with a static model and a shard in flash, tests with a double.
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"
#include "schemas/fedgate_generated.h"

namespace fedgate {

// What the coordinator told the client to train (from its Config message).
struct TrainingSetup {
  wire::ModelKind model_kind = wire::ModelKind::Softmax;
  uint32_t model_dim = 0;
  uint32_t num_features = 0;
  uint32_t num_classes = 0;
  uint32_t hidden_units = 0;
  uint32_t batch_size = 0;
};

struct GradientStats {
  double grad_norm = 0;
  float loss = 0;
  uint32_t samples = 0;
  uint32_t compute_us = 0;
};

class GradientSource {
 public:
  virtual ~GradientSource() = default;

  // Shape of the local data, announced in Hello.
  virtual uint32_t num_features() const = 0;
  virtual uint32_t num_classes() const = 0;

  // Prepares for `setup`. An error (model the client cannot run, data that does
  // not fit) ends the session: the client says Bye and exits.
  virtual Status configure(const TrainingSetup& setup) = 0;

  // One minibatch gradient at `params`, written to `grad` (model_dim floats).
  virtual Result<GradientStats> compute(Span<const float> params, Span<float> grad) = 0;

  // The gradient at `params` on the same minibatch as the last compute(), for
  // triggers that compare gradients at two points (LAG). Sources that cannot
  // do it keep these defaults, and a session refuses such a trigger at Config.
  virtual bool can_recompute() const { return false; }
  virtual Result<GradientStats> recompute(Span<const float> params, Span<float> grad) {
    (void)params;
    (void)grad;
    return Status::error(StatusCode::kFailedPrecondition, "source cannot recompute a minibatch");
  }
};

}  // namespace fedgate
