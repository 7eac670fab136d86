// StalenessPolicy: what to do with a gradient computed at an older model
// version before it is applied (docs/algorithms.md [P4], "Staleness"): pass it on, correct
// it toward the current model, or drop part or all of it.
#pragma once

#include <cstdint>

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/global_model.h"
#include "core/base/span.h"

namespace fedgate {

struct StalenessContext {
  uint32_t version = 0;          // v: the model version the gradient was computed at
  uint32_t current_version = 0;  // t (t >= v)
  const GlobalModel* model = nullptr;
};

// The gradient to apply and the factor theta on its stepsize; theta == 0 means
// dropped (nothing is applied). `gradient` stays valid until the next call.
struct Corrected {
  Span<const float> gradient;
  double theta = 1;
};

class StalenessPolicy {
 public:
  virtual ~StalenessPolicy() = default;
  virtual const char* name() const = 0;
  virtual Corrected transform(const StalenessContext& context, Span<const float> gradient) = 0;
  // Called after every new model version, with the model already at it.
  virtual void on_committed(const GlobalModel& model) = 0;
  virtual PolicySettings settings() const = 0;
  // Checkpoints (docs/run-directory.md): the state a resumed run needs. The
  // default says "stateless": nothing is written or read.
  virtual void save_state(StateWriter& out) const { (void)out; }
  virtual void restore_state(StateReader& in) { (void)in; }
};

}  // namespace fedgate
