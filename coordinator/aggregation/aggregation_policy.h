// AggregationPolicy: how contributions become model versions and who gets
// the next model (docs/algorithms.md, "Aggregation and dispatch"). It owns "apply or buffer", "commit
// a version", dispatch, and what a Skip means; the Coordinator hands it every
// update that passed validation, acceptance, staleness and stepsize, and every
// join, leave, Skip, model request and tick.
#pragma once

#include <cstdint>
#include <string>

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/client_registry.h"
#include "coordinator/global_model.h"
#include "core/base/span.h"
#include "core/protocol/codec.h"
#include "schemas/fedgate_generated.h"

namespace fedgate {

// What a policy may ask of the coordinator.
class AggregationHost {
 public:
  virtual ~AggregationHost() = default;
  virtual const GlobalModel& model() const = 0;
  // x <- x - scale * direction and version + 1; the coordinator then updates
  // the version-keeping policies, the metrics and the evaluation.
  virtual void commit(Span<const float> direction, double scale) = 0;
  // Sends the current model to `client` (nothing once the run has stopped).
  virtual void send_model(const std::string& client) = 0;
  virtual int64_t now_us() const = 0;
};

// One update, ready to aggregate.
struct Contribution {
  uint32_t version = 0;  // the model version it was computed at
  wire::UpdateKind kind = wire::UpdateKind::Gradient;
  Span<const float> values;  // dense, model dimension
  double gamma = 0;          // its stepsize (stepsize policy x acceptance and staleness factors)
  uint32_t gradients = 1;    // gradients summed in it (b_i)
  uint32_t messages = 0;     // compressed sends of that sum this round (m_i; 0 = not said)
  uint32_t compute_us = 0;
};

// The factor on `values` for x <- x - factor * values: a gradient descends
// with its stepsize, a LocalUpdate U (already a model change, x_after -
// x_before on the client) is added as it is.
inline double descent_factor(const Contribution& c) {
  return c.kind == wire::UpdateKind::LocalUpdate ? -1.0 : c.gamma;
}

struct AggregationCounts {
  uint64_t buffered = 0;     // contributions held for a later commit
  uint64_t reused = 0;       // stale contributions re-applied in place of a skip (SASG)
  uint64_t dropped_old = 0;  // contributions for a round already committed
  uint64_t held = 0;         // models held back (random-dispatch queue, AET skew bound)
};

class AggregationPolicy {
 public:
  virtual ~AggregationPolicy() = default;
  virtual const char* name() const = 0;
  virtual PolicySettings settings() const = 0;

  // `client` registered (or registered again) and may get a model.
  virtual void on_join(AggregationHost& host, const std::string& client) = 0;
  // `client` said Bye.
  virtual void on_leave(AggregationHost& host, const std::string& client) = 0;
  // False when the contribution was dropped (it came after its round's
  // commit): the coordinator counts only what is applied or buffered.
  virtual bool on_update(AggregationHost& host, const std::string& client,
                         const Contribution& contribution) = 0;
  // `client` sent nothing for `version` (a Skip, or a gradient the staleness
  // policy dropped entirely).
  virtual void on_skip(AggregationHost& host, const std::string& client, uint32_t version) = 0;
  // `client` asks for the model again (a lost chunk). Policies that hold
  // models back answer only clients that are owed one.
  virtual void on_model_request(AggregationHost& host, const std::string& client) {
    host.send_model(client);
  }
  virtual void on_tick(AggregationHost& host) { (void)host; }
  // What `client` is to compute for the model it is sent now (a Shadowheart
  // budget, carried by the model's last chunk); none by default.
  virtual RoundBudget round_budget(const std::string& client) const {
    (void)client;
    return RoundBudget();
  }

  const AggregationCounts& counts() const { return counts_; }
  // A checkpoint's counts, on resuming.
  void restore_counts(const AggregationCounts& counts) { counts_ = counts; }
  // Checkpoints (docs/run-directory.md): the state a resumed run needs. The
  // default says "stateless": nothing is written or read.
  virtual void save_state(StateWriter& out) const { (void)out; }
  virtual void restore_state(StateReader& in) { (void)in; }

 protected:
  AggregationCounts counts_;
};

}  // namespace fedgate
