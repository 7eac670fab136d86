// AcceptancePolicy: decides, from the few bytes of an Offer, whether the
// coordinator wants the gradient behind it (docs/algorithms.md [P1] and docs/architecture.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/checkpoint_state.h"
#include "coordinator/global_model.h"

namespace fedgate {

struct OfferContext {
  uint32_t offer_version = 0;    // v: the model version the gradient was computed at
  uint32_t current_version = 0;  // t: the coordinator's version now (t >= v)
  double grad_norm = 0;          // ||g|| as offered
  uint32_t active_clients = 0;   // registered clients now (the concurrency, tau_C)
  const GlobalModel* model = nullptr;
  const std::string* client = nullptr;  // who offers (for per-client policies); may be null
};

enum class Verdict : uint8_t {
  kAccept,
  kReject,
  kOutsideWindow,  // v is older than the policy can judge; the client needs a fresh model
};

struct AppliedStep {
  uint32_t new_version = 0;  // the model's version after the step
  double gamma = 0;          // stepsize used
  double grad_norm = 0;      // ||g|| of the applied gradient
};

using PolicySettings = std::vector<std::pair<std::string, double>>;

class AcceptancePolicy {
 public:
  virtual ~AcceptancePolicy() = default;
  virtual const char* name() const = 0;
  virtual Verdict decide(const OfferContext& offer) = 0;
  // Called after every applied update, with the model already at step.new_version.
  virtual void on_applied(const AppliedStep& step, const GlobalModel& model) = 0;
  // The effective parameters, for Config messages and the metrics log.
  virtual PolicySettings settings() const = 0;

  // Factor on the stepsize of `client`'s update now being applied (delay tau,
  // concurrency tau_C). 1 unless the policy accepted that client's offer on
  // condition of a smaller step (StarvationGuard). Called once per update.
  virtual double update_scale(const std::string& client, uint32_t staleness, uint32_t concurrency) {
    (void)client, (void)staleness, (void)concurrency;
    return 1.0;
  }
  // Offers accepted against the rule (StarvationGuard), for the metrics log.
  virtual uint64_t forced_accepts() const { return 0; }
  // `client` said Bye; forget what the policy keeps about it.
  virtual void on_client_left(const std::string& client) { (void)client; }
  // Checkpoints (docs/run-directory.md): the state a resumed run needs. The
  // default says "stateless": nothing is written or read.
  virtual void save_state(StateWriter& out) const { (void)out; }
  virtual void restore_state(StateReader& in) { (void)in; }
};

}  // namespace fedgate
