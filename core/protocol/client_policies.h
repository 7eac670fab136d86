// ClientPolicies: the trigger and compression a client runs, chosen by name in
// the coordinator's Config and built into storage inside this object
// (placement new; no heap), with their state vectors in caller-owned memory.
//
// check_client_policies() is the one place names and parameters are
// validated: the coordinator calls it at start-up, the client on Config, so
// both reject the same settings with the same message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "core/base/param_reader.h"
#include "core/compression/dense_compressor.h"
#include "core/compression/error_feedback.h"
#include "core/compression/randk_compressor.h"
#include "core/compression/topk_compressor.h"
#include "core/protocol/gradient_source.h"
#include "core/trigger/aet_schedule.h"
#include "core/trigger/detsgrad_trigger.h"
#include "core/trigger/every_step.h"
#include "core/trigger/fixed_budget.h"
#include "core/trigger/lag_trigger.h"
#include "core/trigger/offer_first.h"

namespace fedgate {

constexpr const char* kDefaultTrigger = "offer-first";
constexpr const char* kDefaultCompression = "dense";

struct ClientPolicySpec {
  const char* trigger = kDefaultTrigger;
  const char* compression = kDefaultCompression;
  // Settings named "trigger.<key>" and "compression.<key>"; others are ignored.
  Span<const NamedParam> params;
};

// What a validated choice needs and produces.
struct ClientPolicyNeeds {
  size_t state_floats = 0;       // caller-owned float state
  size_t state_indices = 0;      // caller-owned index state
  size_t max_payload_bytes = 0;  // vector payload of one Update at most
  wire::Codec codec = wire::Codec::Dense;
  wire::UpdateKind kind = wire::UpdateKind::Gradient;  // what the trigger sends
  bool offers = true;                                  // the trigger offers a norm first
  uint32_t k = 0;                                      // values per sparse message (0 for dense)
};

// Memory that covers every policy for a model of `dim` parameters.
constexpr size_t client_policy_floats(size_t dim) { return 6 * dim; }
constexpr size_t client_policy_indices(size_t dim) { return dim; }

// Validates names and settings for the model `setup` describes. Errors name
// the unknown policy and list the known ones, or name the setting and its range.
Result<ClientPolicyNeeds> check_client_policies(const ClientPolicySpec& spec,
                                                const TrainingSetup& setup);

struct ClientPolicyInfo {
  const char* name;
  const char* summary;  // one line for --list-policies
  const char* params;   // its settings and defaults
};
Span<const ClientPolicyInfo> trigger_policy_infos();
Span<const ClientPolicyInfo> compression_policy_infos();

// The largest of the types, for inline storage that can hold any of them.
template <typename... T>
constexpr size_t largest_size() {
  size_t m = 0;
  for (size_t s : {sizeof(T)...}) m = s > m ? s : m;
  return m;
}

class ClientPolicies {
 public:
  ClientPolicies() = default;
  ~ClientPolicies() { destroy(); }
  ClientPolicies(const ClientPolicies&) = delete;
  ClientPolicies& operator=(const ClientPolicies&) = delete;

  // Builds the policies `spec` names for `setup`, replacing earlier ones.
  // `floats`/`indices` must hold the ClientPolicyNeeds amounts and outlive
  // this object; `seed` seeds rand-k masks (make it differ per client).
  Status configure(const ClientPolicySpec& spec, const TrainingSetup& setup, Span<float> floats,
                   Span<uint32_t> indices, uint64_t seed);

  bool ready() const { return trigger_ != nullptr; }
  Trigger& trigger() { return *trigger_; }
  Compressor& compressor() { return *compressor_; }
  const ClientPolicyNeeds& needs() const { return needs_; }

 private:
  static constexpr size_t kTriggerBytes =
      largest_size<OfferFirst, EveryStep, LagTrigger, AetSchedule, DetsgradTrigger, FixedBudget>();
  static constexpr size_t kCompressorBytes =
      largest_size<DenseCompressor, TopKCompressor, RandKCompressor>();

  void destroy();

  alignas(std::max_align_t) unsigned char trigger_storage_[kTriggerBytes];
  alignas(std::max_align_t) unsigned char compressor_storage_[kCompressorBytes];
  alignas(std::max_align_t) unsigned char feedback_storage_[sizeof(ErrorFeedback)];
  Trigger* trigger_ = nullptr;
  Compressor* inner_ = nullptr;
  ErrorFeedback* feedback_ = nullptr;
  Compressor* compressor_ = nullptr;
  ClientPolicyNeeds needs_;
};

}  // namespace fedgate
