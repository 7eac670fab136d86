// Trigger: the client-side policy that decides, each time a model arrives,
// what the client computes and whether (and what) it sends: offer a norm
// first, send straight away, skip this round, or run local steps and send the
// accumulated change. One implementation per file; ClientSession builds the
// one the coordinator's Config names (core/protocol/client_policies.h).
//
// State vectors live in caller-owned memory given at construction; on_model()
// never allocates.
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/protocol/gradient_source.h"
#include "schemas/fedgate_generated.h"

namespace fedgate {

enum class TriggerAction : uint8_t {
  kOffer,  // send an Offer with the vector's norm; Update only if accepted
  kSend,   // send the vector as Update(s) now, no Offer
  kSkip,   // send Skip: nothing new worth the bytes this round
};

struct TriggerResult {
  TriggerAction action = TriggerAction::kSend;
  wire::UpdateKind kind = wire::UpdateKind::Gradient;
  GradientStats stats;  // samples and compute time summed over the steps, mean loss
  uint32_t steps = 1;   // minibatch gradients behind the vector (local steps, b_i)
  uint32_t round = 0;   // the client's round counter where the policy has rounds
  uint32_t sends = 1;   // compressed messages of this same vector (Shadowheart m_i)
};

class Trigger {
 public:
  virtual ~Trigger() = default;
  virtual const char* name() const = 0;
  // A complete model of `version` is in `model` (dim floats; local steps may
  // overwrite it). Writes the vector to send, if any, into `out` (dim floats).
  virtual Result<TriggerResult> on_model(uint32_t version, Span<float> model, Span<float> out,
                                         GradientSource& source) = 0;
  // The budget the next model came with (ModelChunk.batches / sends, 0 = not
  // given): Shadowheart's per-worker b_i and m_i. Policies without a budget ignore it.
  virtual void set_budget(uint32_t batches, uint32_t sends) {
    (void)batches;
    (void)sends;
  }
  // The vector of the last on_model() went out (sent, or its offer accepted).
  virtual void on_sent(Span<const float> model, Span<const float> out) {
    (void)model;
    (void)out;
  }
};

// Adds one step's stats into a running total (mean loss over `steps`).
inline void accumulate_stats(const GradientStats& step, uint32_t steps, GradientStats* total) {
  total->samples += step.samples;
  total->compute_us += step.compute_us;
  total->loss += (step.loss - total->loss) / static_cast<float>(steps);
}

}  // namespace fedgate
